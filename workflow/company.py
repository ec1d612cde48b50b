"""A company's figures: each estate's (workflow/figures.py) and their totals.

Rates add up by their counts, not by averaging percentages: an estate with
200 cases weighs ten times one with 20. The average satisfaction is weighted
by the number of ratings behind it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.figures import Figures, Rate


@dataclass(frozen=True)
class EstateFigures:
    """One estate's figures for the period, under the estate's id."""

    estate_id: str
    figures: Figures


@dataclass(frozen=True)
class CompanyFigures:
    estates: tuple[EstateFigures, ...]
    total: Figures


def _sum(rates: Sequence[Rate]) -> Rate:
    return Rate(sum(r.numerator for r in rates), sum(r.denominator for r in rates))


def combine(figures: Sequence[Figures]) -> Figures:
    """The figures of several estates as if they were one."""
    ratings = sum(f.ratings for f in figures)
    rated = sum(
        f.average_satisfaction * f.ratings for f in figures if f.average_satisfaction is not None
    )
    escalations: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for f in figures:
        escalations.update(f.escalations_by_reason)
        categories.update(f.cases_by_category)
    return Figures(
        cases=sum(f.cases for f in figures),
        acknowledge_on_time=_sum([f.acknowledge_on_time for f in figures]),
        on_site_on_time=_sum([f.on_site_on_time for f in figures]),
        handling=_sum([f.handling for f in figures]),
        re_repair=_sum([f.re_repair for f in figures]),
        callback=_sum([f.callback for f in figures]),
        average_satisfaction=rated / ratings if ratings else None,
        ratings=ratings,
        repeat_complaints=sum(f.repeat_complaints for f in figures),
        escalations_by_reason=dict(escalations),
        cases_by_category=dict(categories),
    )


def company_figures(estates: Sequence[EstateFigures]) -> CompanyFigures:
    """Each estate's figures, in the order given, and the company's totals."""
    return CompanyFigures(tuple(estates), combine([e.figures for e in estates]))
