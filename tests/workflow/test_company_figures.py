"""A company's figures: each estate's side by side, and totals that add the
estates' counts (not their percentages)."""

from __future__ import annotations

from workflow.company import EstateFigures, combine, company_figures
from workflow.figures import Figures, Rate


def figures(cases: int, ack: tuple[int, int], rated: float | None, ratings: int) -> Figures:
    return Figures(
        cases=cases,
        acknowledge_on_time=Rate(*ack),
        on_site_on_time=Rate(0, 0),
        handling=Rate(ack[0], cases),
        re_repair=Rate(0, 0),
        callback=Rate(0, 0),
        average_satisfaction=rated,
        ratings=ratings,
        repeat_complaints=1,
        escalations_by_reason={"acknowledge_missed": 2},
        cases_by_category={"repair": cases},
    )


BIG = figures(200, (180, 200), 4.0, 30)
SMALL = figures(20, (2, 20), 2.0, 10)


def test_the_totals_add_the_estates_counts_so_a_big_estate_weighs_more() -> None:
    total = combine([BIG, SMALL])

    assert total.cases == 220
    assert total.acknowledge_on_time == Rate(182, 220)  # 83 %, not the 50 % of (90 % + 10 %) / 2
    assert total.handling == Rate(182, 220)
    assert total.ratings == 40
    assert total.average_satisfaction == (4.0 * 30 + 2.0 * 10) / 40  # 3.5, weighted by ratings
    assert total.repeat_complaints == 2
    assert total.escalations_by_reason == {"acknowledge_missed": 4}
    assert total.cases_by_category == {"repair": 220}


def test_an_estate_with_no_ratings_leaves_the_average_to_the_others() -> None:
    unrated = figures(5, (5, 5), None, 0)
    assert combine([SMALL, unrated]).average_satisfaction == 2.0
    assert combine([unrated]).average_satisfaction is None


def test_a_company_with_no_cases_has_no_rates() -> None:
    empty = figures(0, (0, 0), None, 0)
    total = combine([empty, empty])
    assert total.cases == 0
    assert total.acknowledge_on_time.value is None


def test_each_estate_keeps_its_own_figures_in_the_company_files_order() -> None:
    company = company_figures([EstateFigures("shatin", BIG), EstateFigures("taipo", SMALL)])
    assert [e.estate_id for e in company.estates] == ["shatin", "taipo"]
    assert company.estates[1].figures is SMALL
    assert company.total == combine([BIG, SMALL])
