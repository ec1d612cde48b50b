"""The office's figures for a hand-made November, checked against values
worked out by hand (see the comments beside each case)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import SqliteStore
from tests.helpers import (
    FRONT_DESK,
    GUARD,
    LOBBY,
    NEIGHBOUR,
    NEIGHBOUR_HOME,
    REPAIR_LEAD,
    RESIDENT,
    DeskDriver,
    staff,
)
from workflow import commands as cmd
from workflow.clock import FakeClock
from workflow.figures import Figures, Rate, compute
from workflow.model import Category, Event, Severity, Team, Urgency
from workflow.policy import Policy
from workflow.roles import Role
from workflow.service import Desk

HKT = timedelta(hours=8)
NOV_1 = datetime(2026, 11, 1, tzinfo=UTC) - HKT  # midnight in Hong Kong
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC) - HKT
CLEANING_LEAD = staff(3001, Role.CLEANING_LEAD)
OTHER = staff(1003, Role.RESIDENT)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return NOV_1 + timedelta(days=day - 1, hours=hour, minutes=minute)


async def play_november(desk: DeskDriver) -> None:
    clock = desk.clock

    async def when(moment: datetime) -> None:
        clock.set(moment)
        await desk.desk.sweep()

    # Outside the period: filed 31 October, never counted.
    await when(at(0, 9))
    await desk.file(Category.CLEANING, by=OTHER, home=NEIGHBOUR_HOME)

    # 1. Repair, all on time, confirmed fixed, rated 5.
    await when(at(2, 9))
    one = (await desk.file(Category.REPAIR)).case.id
    await when(at(2, 9, 10))
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, one))
    await when(at(2, 11))
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, one))
    await when(at(2, 12))
    await desk.do(cmd.Resolve(REPAIR_LEAD, one, note="Fixed"))
    await desk.do(cmd.ConfirmFixed(RESIDENT, one, fixed=True))
    await desk.do(cmd.Rate(RESIDENT, one, stars=5))

    # 2. Urgent repair: acknowledged late (one escalation), on site late, "not fixed"
    #    (re-work: a repeat and an escalation), fixed the second time, rated 2.
    await when(at(5, 9))
    two = (
        await desk.file(Category.REPAIR, by=NEIGHBOUR, home=NEIGHBOUR_HOME, urgency=Urgency.URGENT)
    ).case.id
    await when(at(5, 9, 40))
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, two))
    await when(at(5, 9, 50))
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, two))
    await when(at(5, 11))
    await desk.do(cmd.Resolve(REPAIR_LEAD, two))
    await desk.do(cmd.ConfirmFixed(NEIGHBOUR, two, fixed=False))
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, two))
    await desk.do(cmd.Resolve(REPAIR_LEAD, two))
    await desk.do(cmd.ConfirmFixed(NEIGHBOUR, two, fixed=True))
    await desk.do(cmd.Rate(NEIGHBOUR, two, stars=2))

    # 3. Cleaning, on time, the resident never answers (closed after 72 h).
    await when(at(10, 9))
    three = (await desk.file(Category.CLEANING)).case.id
    await when(at(10, 9, 5))
    await desk.do(cmd.Acknowledge(CLEANING_LEAD, three))
    await when(at(10, 10))
    await desk.do(cmd.Resolve(CLEANING_LEAD, three))
    await when(at(13, 11))

    # 4. Cleaning, cancelled by the resident: not work done, not counted.
    await when(at(12, 9))
    four = (await desk.file(Category.CLEANING, by=NEIGHBOUR, home=NEIGHBOUR_HOME)).case.id
    await desk.do(cmd.Cancel(NEIGHBOUR, four))

    # 5. Security complaint nobody acknowledges: three escalations to the manager.
    await when(at(20, 9))
    await desk.file(Category.SECURITY)
    for minute in (31, 62, 93):
        await when(at(20, 9, minute))

    # 6. A guard's site report, classified as a repair, attended in time, no resident.
    await when(at(25, 22))
    six = (await desk.file(Category.SITE_CONDITION, by=GUARD, home=None, where=LOBBY)).case.id
    await when(at(25, 22, 10))
    await desk.do(
        cmd.Reclassify(FRONT_DESK, six, category=Category.REPAIR, severity=Severity.GENERAL)
    )
    await when(at(25, 22, 30))
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, six))
    await desk.do(cmd.Resolve(REPAIR_LEAD, six))


@pytest.fixture
async def november_events(sqlite_store: SqliteStore) -> list[Event]:
    clock = FakeClock()
    await play_november(DeskDriver(Desk(sqlite_store, Policy(), clock), clock))
    async with sqlite_store.transaction() as tx:
        return await tx.events_of_cases_filed(NOV_1, DEC_1)


async def test_the_whole_estate_in_november(november_events: list[Event]) -> None:
    figures = compute(november_events, as_of=DEC_1)

    assert figures == Figures(
        cases=5,  # cases 1, 2, 3, 5, 6
        acknowledge_on_time=Rate(3, 5),  # 1, 3, 6 in time; 2 late; 5 never
        on_site_on_time=Rate(2, 3),  # repairs 1 and 6 in time, 2 late
        handling=Rate(4, 5),  # all but 5 resolved
        re_repair=Rate(1, 3),  # 2 of the repairs 1, 2, 6 came back
        callback=Rate(2, 3),  # residents of 1 and 2 answered, 3 did not
        average_satisfaction=3.5,  # 5 and 2
        ratings=2,
        repeat_complaints=1,  # "not fixed" on 2
        escalations_by_reason={"acknowledge_missed": 4, "not_fixed": 1},
        cases_by_category={"repair": 3, "cleaning": 1, "security": 1},
    )


async def test_the_repair_team_in_november(november_events: list[Event]) -> None:
    figures = compute(november_events, as_of=DEC_1, team=Team.REPAIR)

    assert figures.cases == 3
    assert figures.acknowledge_on_time == Rate(2, 3)
    assert figures.handling == Rate(3, 3)
    assert figures.re_repair.value == pytest.approx(1 / 3)
    assert figures.callback == Rate(2, 2)
    assert figures.escalations_by_reason == {"acknowledge_missed": 1, "not_fixed": 1}


async def test_a_period_with_nothing_in_it_has_no_rates(november_events: list[Event]) -> None:
    figures = compute([], as_of=DEC_1)

    assert figures.cases == 0
    assert figures.handling.value is None
    assert figures.average_satisfaction is None


async def test_a_deadline_not_yet_passed_is_neither_on_time_nor_late(
    november_events: list[Event],
) -> None:
    # On 20 November at 09:10 the security complaint was still within its 30 minutes,
    # and case 6 did not exist yet: 1 and 3 in time, 2 late.
    figures = compute(november_events, as_of=at(20, 9, 10))

    assert figures.cases == 4
    assert figures.acknowledge_on_time == Rate(2, 3)
