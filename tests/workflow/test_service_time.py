"""Service time: deadlines that wait for a team's hours, across a night, a
weekend, a public holiday and the turn of a year; what runs on the clock;
calm reminders and residents' quiet hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.fakes import MemoryStore
from tests.helpers import (
    CLEANING_LEAD,
    MANAGER,
    RESIDENT,
    DeskDriver,
    minutes,
    notices,
    to_role,
    to_users,
)
from workflow import commands as cmd
from workflow.clock import FakeClock
from workflow.hours import DutyEntry, HoursConfig
from workflow.model import Category, DeadlineKind, Severity, Urgency
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import Role
from workflow.service import Desk
from workflow.service_calendar import AROUND_THE_CLOCK

HK = ZoneInfo("Asia/Hong_Kong")
HOURS = HoursConfig().build(HK)
CLEANING = HOURS.role_calendar(Role.CLEANING_LEAD)
OFFICE = HOURS.role_calendar(Role.MANAGER)


def hk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HK)


# --- the calendar ---------------------------------------------------------------


def test_a_complaint_at_23_00_is_due_30_minutes_after_the_cleaning_team_starts() -> None:
    due = CLEANING.add(hk(2026, 11, 2, 23), minutes(30))  # a Monday night
    assert due == hk(2026, 11, 3, 7, 30)


def test_service_time_left_at_closing_carries_over_to_the_next_morning() -> None:
    # 10 minutes before 16:00 close, 20 the next morning.
    assert CLEANING.add(hk(2026, 11, 2, 15, 50), minutes(30)) == hk(2026, 11, 3, 7, 20)
    assert CLEANING.elapsed(hk(2026, 11, 2, 15, 50), hk(2026, 11, 3, 7, 20)) == minutes(30)


def test_a_saturday_evening_complaint_waits_over_sunday_for_monday_morning() -> None:
    assert CLEANING.add(hk(2026, 11, 7, 20), minutes(30)) == hk(2026, 11, 9, 7, 30)
    assert OFFICE.add(hk(2026, 11, 7, 12, 45), minutes(30)) == hk(2026, 11, 9, 9, 15)


def test_christmas_and_the_first_weekday_after_it_are_closed_in_hong_kong() -> None:
    # Thursday 24 December evening: Friday 25 and Saturday 26 are public holidays.
    assert CLEANING.add(hk(2026, 12, 24, 20), minutes(30)) == hk(2026, 12, 28, 7, 30)


def test_the_turn_of_the_year_skips_new_years_day() -> None:
    assert CLEANING.add(hk(2026, 12, 31, 20), minutes(30)) == hk(2027, 1, 2, 7, 30)
    assert OFFICE.next_open(hk(2026, 12, 31, 23)) == hk(2027, 1, 2, 9)


def test_the_estates_own_closure_day_is_closed_too() -> None:
    own = HoursConfig(closed=[date(2026, 11, 3)]).build(HK).role_calendar(Role.CLEANING_LEAD)
    assert own.add(hk(2026, 11, 2, 23), minutes(30)) == hk(2026, 11, 4, 7, 30)


def test_mainland_and_taiwan_holidays_are_available() -> None:
    cn = HoursConfig(country="CN").build(HK).role_calendar(Role.MANAGER)
    tw = HoursConfig(country="TW").build(HK).role_calendar(Role.MANAGER)
    # 1 October is China's National Day, 10 October Taiwan's (both Fridays in 2027).
    assert cn.next_open(hk(2027, 10, 1, 10)) > hk(2027, 10, 1, 23)
    assert tw.next_open(hk(2027, 10, 8, 19)) == hk(2027, 10, 9, 9)  # 8 Oct: a Friday evening
    assert HOURS.role_calendar(Role.MANAGER).is_open(hk(2027, 10, 6, 10))


def test_the_wall_clock_calendar_adds_plainly() -> None:
    assert AROUND_THE_CLOCK.add(hk(2026, 11, 2, 2), minutes(30)) == hk(2026, 11, 2, 2, 30)


# --- deadlines of cases -----------------------------------------------------------

LATE = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Monday 23:00 in Hong Kong


@pytest.fixture
def night_desk() -> DeskDriver:
    clock = FakeClock(LATE)
    return DeskDriver(Desk(MemoryStore(), Policy(hours=HOURS), clock), clock)


async def test_a_cleaning_complaint_at_23_00_tells_the_team_nothing_until_it_starts(
    night_desk: DeskDriver,
) -> None:
    filed = await night_desk.file(Category.CLEANING, Severity.GENERAL)
    ack = filed.case.deadlines[DeadlineKind.ACKNOWLEDGE]
    assert ack.due_at == hk(2026, 11, 3, 7, 30)
    assert ack.warn_at == hk(2026, 11, 3, 7, 24), "the warning is 80 % of service time"
    assert to_role(filed, NoticeKind.NEW_CASE) == []
    assert to_role(filed, NoticeKind.INFORMED) == [Role.FRONT_DESK], "the desk's record"
    confirmation = [n for n in filed.notifications if n.kind is NoticeKind.FILED]
    assert confirmation[0].params["starts_at"] == hk(2026, 11, 3, 7)
    assert confirmation[0].params["acknowledge_by"] == hk(2026, 11, 3, 7, 30)

    night = await night_desk.after(timedelta(hours=7, minutes=59))  # 06:59
    assert notices(night) == []
    morning = await night_desk.after(minutes(1))  # 07:00
    assert [n.role for n in notices(morning) if n.kind is NoticeKind.NEW_CASE] == [
        Role.CLEANING_LEAD
    ]


async def test_nothing_reaches_the_manager_overnight_from_a_general_complaint(
    night_desk: DeskDriver,
) -> None:
    await night_desk.file(Category.CLEANING, Severity.GENERAL)
    fired = []
    for _ in range(9 * 6):  # 23:00 to 08:00, every ten minutes
        fired += await night_desk.after(minutes(10))
    assert [n for n in notices(fired) if n.role is Role.MANAGER] == []
    assert [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED] != []  # by 08:00
    assert all(n.role is not Role.CS_SUPERVISOR for n in notices(fired)), "office opens 09:00"


async def test_an_urgent_repair_at_02_00_runs_on_the_clock(night_desk: DeskDriver) -> None:
    night_desk.clock.set(hk(2026, 11, 3, 2).astimezone(UTC))
    filed = await night_desk.file(Category.REPAIR, Severity.GENERAL, urgency=Urgency.URGENT)
    assert filed.case.deadlines[DeadlineKind.ACKNOWLEDGE].due_at == hk(2026, 11, 3, 2, 30)
    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.REPAIR_LEAD]
    assert (
        next(n for n in filed.notifications if n.kind is NoticeKind.FILED).params["starts_at"]
        is None
    )
    fired = await night_desk.after(minutes(31))
    assert [n.role for n in notices(fired) if n.kind is NoticeKind.ESCALATED] == [
        Role.REPAIR_SUPERVISOR
    ]


async def test_the_manager_is_reminded_at_most_three_times_then_next_morning(
    night_desk: DeskDriver,
) -> None:
    # A critical case goes to the manager and runs on the clock.
    night_desk.clock.set(hk(2026, 11, 3, 1).astimezone(UTC))
    filed = await night_desk.file(Category.CLEANING, Severity.CRITICAL)
    assert filed.case.rung is Role.MANAGER
    fired = []
    for _ in range(8 * 6 - 1):  # 01:00 to 08:50
        fired += await night_desk.after(minutes(10))
    reminders = [n for n in notices(fired) if n.kind is NoticeKind.REMINDER]
    assert len(reminders) == 3
    fired = await night_desk.after(minutes(10))  # 09:00, the office opens
    assert [n.kind for n in notices(fired)] == [NoticeKind.REMINDER]


async def test_a_feedback_request_at_night_waits_for_the_end_of_quiet_hours(
    night_desk: DeskDriver,
) -> None:
    night_desk.clock.set(hk(2026, 11, 3, 10).astimezone(UTC))
    filed = await night_desk.file(Category.CLEANING, Severity.GENERAL)
    case_id = filed.case.id
    await night_desk.do(cmd.Acknowledge(actor=CLEANING_LEAD, case_id=case_id))
    night_desk.clock.set(hk(2026, 11, 3, 23).astimezone(UTC))
    resolved = await night_desk.do(cmd.Resolve(actor=CLEANING_LEAD, case_id=case_id, note="done"))
    assert to_users(resolved, NoticeKind.RESOLVED) == []
    fired = await night_desk.after(timedelta(hours=9))  # 08:00
    assert [n.user_id for n in notices(fired) if n.kind is NoticeKind.RESOLVED] == [
        RESIDENT.user_id
    ]


async def test_a_resident_hears_the_answer_to_their_own_action_at_night(
    night_desk: DeskDriver,
) -> None:
    filed = await night_desk.file(Category.CLEANING, Severity.GENERAL)
    assert to_users(filed, NoticeKind.FILED) == [RESIDENT.user_id]


async def test_the_manager_works_office_hours_by_default() -> None:
    assert OFFICE.is_open(hk(2026, 11, 2, 10))
    assert not OFFICE.is_open(hk(2026, 11, 8, 10)), "Sunday"
    assert MANAGER.user_id is not None


def test_the_duty_rota_names_who_stands_in_for_a_rung_out_of_hours() -> None:
    hours = HoursConfig(
        duty=[
            DutyEntry(post="technician", user=7, days="mon-fri"),
            DutyEntry(post="technician", user=8, days=["sat", "sun"]),
        ]
    ).build(HK)
    # Friday night's duty runs into Saturday morning; Saturday night is the weekend's.
    assert hours.duty_for(Role.REPAIR_LEAD, hk(2026, 11, 7, 3)) == (7,)
    assert hours.duty_for(Role.REPAIR_SUPERVISOR, hk(2026, 11, 7, 22)) == (8,)
    assert hours.duty_for(Role.REPAIR_LEAD, hk(2026, 11, 6, 10)) == (), "in hours: the team"
    assert hours.duty_for(Role.MANAGER, hk(2026, 11, 7, 22)) == (), "no duty manager listed"
