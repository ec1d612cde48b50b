"""The company role's views: every estate's figures side by side with the
totals, and one register across estates (an estate column first)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from views.i18n import Translator
from views.reports import (
    EVENT_COLUMNS,
    REGISTER_COLUMNS,
    _rate,
    _tidy,
    case_rows,
    dated_columns,
    event_rows,
    workbook_bytes,
)
from workflow.directory import Person
from workflow.figures import Figures
from workflow.model import Case, Event


def _line(t: Translator, name: str, figures: Figures) -> str:
    satisfaction = (
        "-"
        if figures.average_satisfaction is None
        else t.count("report.rated", figures.ratings, average=f"{figures.average_satisfaction:.1f}")
    )
    return "\n".join(
        [
            t.count("company.estate", figures.cases, estate=name),
            t("report.ack", rate=_rate(figures.acknowledge_on_time, t)),
            t("report.on_site", rate=_rate(figures.on_site_on_time, t)),
            t("report.handling", rate=_rate(figures.handling, t)),
            t("report.satisfaction", value=satisfaction),
        ]
    )


def company_text(
    company: str, estates: Sequence[tuple[str, Figures]], total: Figures, t: Translator, period: str
) -> str:
    """Each estate's figures for the period (by its name), then the company's totals."""
    lines = [t("company.title", name=company, period=period)]
    lines += [_line(t, name, figures) for name, figures in estates]
    lines.append(_line(t, t.raw("company.total"), total))
    return "\n\n".join(lines)


@dataclass(frozen=True)
class EstateRegister:
    """One estate's part of the company register: its rows, and the translator
    that names its places (its buildings, its time zone) in the reader's language."""

    estate_id: str
    t: Translator
    cases: Sequence[Case]
    events: Sequence[Event]
    people: dict[int, Person]


def company_register(
    parts: Sequence[EstateRegister],
    t: Translator,
    with_phones: bool,
    as_of: datetime | None = None,
) -> bytes:
    """One register across estates: the cases of every estate on one sheet and
    their events on another, each row's estate (its id) in the first column."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t.raw("register.cases")
    columns = [*REGISTER_COLUMNS, *(["phone"] if with_phones else [])]
    sheet.append([t.raw("register.col.estate"), *(t.raw("register.col." + c) for c in columns)])
    for part in parts:
        for row in case_rows(part.cases, part.events, part.people, part.t, columns, as_of):
            sheet.append([part.estate_id, *row])
    _tidy(sheet, {n + 1 for n in dated_columns(columns)})
    log = book.create_sheet(t.raw("register.events"))
    log.append([t.raw("register.col.estate"), *(t.raw("register.col." + c) for c in EVENT_COLUMNS)])
    for part in parts:
        for row in event_rows(part.cases, part.events, part.people, part.t):
            log.append([part.estate_id, *row])
    _tidy(log, {3})
    return workbook_bytes(book)
