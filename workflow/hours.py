"""Service hours: when each team works, closure days, what runs on the clock.

`HoursConfig` is the `[hours]` table of estate.toml (validated by pydantic,
errors naming the dotted field); `ServiceHours` is what the core uses: the
calendar a case's deadlines run on, given who holds it and what it is.

Defaults (docs/rules.md): the office (cs supervisor, manager) Monday to Friday
09:00-18:00 and Saturday 09:00-13:00; the front desk every day 08:00-20:00;
the repair team Monday to Saturday 08:00-18:00 (urgent repairs run on the clock:
the 24-hour duty); the cleaning team Monday to Saturday 07:00-16:00; the
security captain and supervisor every day 07:00-19:00, holidays included;
guards around the clock. Closure days are Hong Kong's public holidays plus the
estate's own dates. Critical cases, urgent repairs and help from a guard run on
the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workflow.model import Case, Category, Severity, Urgency
from workflow.roles import Role
from workflow.service_calendar import AROUND_THE_CLOCK, ServiceCalendar, Span

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_span(text: str) -> Span:
    """ "07:00-16:00" as a Span; "22:00-24:00" runs to midnight."""
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a span such as '07:00-16:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} is not a time of day")
    start = time(h1, m1)
    end = None if h2 == 24 or (h2, m2) == (0, 0) else time(h2, m2)
    if end is not None and end <= start:
        raise ValueError(f"{text!r} ends before it starts (split a night into two days)")
    return Span(start, end)


def parse_days(value: str | list[str]) -> list[int]:
    """ "mon-fri", "sat", or ["mon", "wed"] as weekday numbers (Monday 0)."""
    items = [value] if isinstance(value, str) else value
    days: list[int] = []
    for item in items:
        first, _, last = item.strip().lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{item!r} is not a day such as 'mon' or a range such as 'mon-fri'")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise ValueError(f"{item!r} runs backwards")
        days += [d for d in range(a, b + 1) if d not in days]
    return days


class Week(_Strict):
    """One row of a team's week: these days, these spans."""

    days: str | list[str]
    spans: list[str] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _days(cls, value: str | list[str]) -> str | list[str]:
        parse_days(value)
        return value

    @field_validator("spans")
    @classmethod
    def _spans(cls, value: list[str]) -> list[str]:
        spans = sorted(parse_span(s) for s in value)
        for before, after in pairwise(spans):
            if before.end is None or before.end > after.start:
                raise ValueError("spans overlap")
        return value


class TeamHours(_Strict):
    """A team's week; `around_the_clock = true` for a team that never stops."""

    week: list[Week] = Field(default_factory=list)
    around_the_clock: bool = False
    open_on_holidays: bool = False

    @model_validator(mode="after")
    def _some_hours(self) -> TeamHours:
        if not self.around_the_clock and not self.week:
            raise ValueError("give `week` or set `around_the_clock = true`")
        days = [d for row in self.week for d in parse_days(row.days)]
        if len(days) != len(set(days)):
            raise ValueError("a day is listed twice")
        return self

    def by_weekday(self) -> dict[int, tuple[Span, ...]]:
        return {
            d: tuple(sorted(parse_span(s) for s in row.spans))
            for row in self.week
            for d in parse_days(row.days)
        }


def _week(*rows: tuple[str, list[str]]) -> list[Week]:
    return [Week(days=days, spans=spans) for days, spans in rows]


QuietSpan = str  # "22:00-08:00"
DutyPost = Literal["technician", "captain", "manager"]


class DutyEntry(_Strict):
    """One line of the duty rota: who holds a post out of hours on
    these days. A night belongs to the day it starts on (before 12:00 is the
    previous day's duty)."""

    post: DutyPost
    user: int  # Telegram user id
    days: str | list[str] = "mon-sun"

    @field_validator("days")
    @classmethod
    def _days(cls, value: str | list[str]) -> str | list[str]:
        parse_days(value)
        return value


class HoursConfig(_Strict):
    """The `[hours]` table."""

    country: Literal["HK", "CN", "TW"] | None = "HK"  # whose public holidays close the office
    subdivision: str | None = None  # the holidays package's subdivision code, if any
    closed: list[date] = Field(default_factory=list)  # the estate's own closure days
    around_the_clock: list[Category] = Field(default_factory=lambda: [Category.ASSISTANCE])
    office: TeamHours = TeamHours(
        week=_week(("mon-fri", ["09:00-18:00"]), ("sat", ["09:00-13:00"]))
    )
    front_desk: TeamHours = TeamHours(week=_week(("mon-sun", ["08:00-20:00"])))
    repair: TeamHours = TeamHours(week=_week(("mon-sat", ["08:00-18:00"])))
    cleaning: TeamHours = TeamHours(week=_week(("mon-sat", ["07:00-16:00"])))
    security: TeamHours = TeamHours(week=_week(("mon-sun", ["07:00-19:00"])), open_on_holidays=True)
    quiet: QuietSpan | None = "22:00-08:00"  # residents: nothing but answers and urgent news
    reminders_at_most: int = Field(default=3, ge=1, le=100)  # top-rung reminders per period
    duty: list[DutyEntry] = Field(default_factory=list)  # the out-of-hours duty rota

    @model_validator(mode="after")
    def _known_place(self) -> HoursConfig:
        if self.country is not None:
            try:
                holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                raise ValueError(
                    f"{self.country} has no subdivision {self.subdivision!r}"
                ) from None
        elif self.subdivision:
            raise ValueError("a subdivision needs `country`")
        return self

    @field_validator("quiet")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            quiet_window(value)
        return value

    def rota(self) -> dict[tuple[str, int], tuple[int, ...]]:
        """(post, weekday) → who holds the post that day, out of hours."""
        return _rota(self.duty)

    def build(self, zone: ZoneInfo) -> ServiceHours:
        own = frozenset(self.closed)
        public = (
            holidays.country_holidays(self.country, subdiv=self.subdivision)
            if self.country
            else None
        )

        def closed_on_holidays(day: date) -> bool:
            return day in own or (public is not None and day in public)

        def never_closed(day: date) -> bool:
            return False

        def calendar(team: TeamHours) -> ServiceCalendar:
            if team.around_the_clock:
                return AROUND_THE_CLOCK
            return ServiceCalendar(
                zone=zone,
                week=team.by_weekday(),
                closed=never_closed if team.open_on_holidays else closed_on_holidays,
            )

        teams = {
            "office": calendar(self.office),
            "front_desk": calendar(self.front_desk),
            "repair": calendar(self.repair),
            "cleaning": calendar(self.cleaning),
            "security": calendar(self.security),
        }
        quiet = quiet_window(self.quiet) if self.quiet else None
        return ServiceHours(
            calendars={role: teams[team] for role, team in TEAM_OF_ROLE.items()},
            around_the_clock_categories=frozenset(self.around_the_clock),
            quiet=ServiceCalendar(zone=zone, week={d: quiet for d in range(7)}) if quiet else None,
            reminders_at_most=self.reminders_at_most,
            rota=self.rota(),
            zone=zone,
        )


def _rota(entries: list[DutyEntry]) -> dict[tuple[str, int], tuple[int, ...]]:
    rota: dict[tuple[str, int], tuple[int, ...]] = {}
    for entry in entries:
        for day in parse_days(entry.days):
            rota[entry.post, day] = (*rota.get((entry.post, day), ()), entry.user)
    return rota


def quiet_window(text: str) -> tuple[Span, ...]:
    """The quiet hours ("22:00-08:00", may run overnight) as spans of one day."""
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a span such as '22:00-08:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"{text!r} is not a span such as '22:00-08:00'")
    start, end = time(h1, m1), time(h2, m2)
    if start < end:
        return (Span(start, end),)
    spans = [Span(start, None)]
    if end != time(0):
        spans.insert(0, Span(time(0), end))
    return tuple(spans)


# Which team's hours each handling rung keeps; guards are on the clock.
TEAM_OF_ROLE: Mapping[Role, str] = {
    Role.FRONT_DESK: "front_desk",
    Role.REPAIR_LEAD: "repair",
    Role.REPAIR_SUPERVISOR: "repair",
    Role.CLEANING_LEAD: "cleaning",
    Role.CLEANING_SUPERVISOR: "cleaning",
    Role.SECURITY_CAPTAIN: "security",
    Role.SECURITY_SUPERVISOR: "security",
    Role.CS_SUPERVISOR: "office",
    Role.MANAGER: "office",
}


# Which duty post stands in for a rung out of hours (the duty ladder).
DUTY_POST_OF_ROLE: Mapping[Role, DutyPost] = {
    Role.REPAIR_LEAD: "technician",
    Role.REPAIR_SUPERVISOR: "technician",
    Role.SECURITY_CAPTAIN: "captain",
    Role.SECURITY_SUPERVISOR: "captain",
    Role.CLEANING_LEAD: "manager",
    Role.CLEANING_SUPERVISOR: "manager",
    Role.FRONT_DESK: "manager",
    Role.CS_SUPERVISOR: "manager",
    Role.MANAGER: "manager",
}
DUTY_DAY_TURNS = 12  # a night belongs to the day it started on


@dataclass(frozen=True)
class ServiceHours:
    """The calendars the core uses. A role without a calendar runs on the
    clock, so `ServiceHours()` is the wall clock for everyone."""

    calendars: Mapping[Role, ServiceCalendar] = field(default_factory=dict)
    around_the_clock_categories: frozenset[Category] = frozenset({Category.ASSISTANCE})
    quiet: ServiceCalendar | None = None  # residents' quiet hours, as a calendar of them
    reminders_at_most: int = 0  # 0: no cap (the wall clock's every interval)
    rota: Mapping[tuple[str, int], tuple[int, ...]] = field(default_factory=dict)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Hong_Kong"))

    def on_the_clock(self, category: Category, severity: Severity, urgency: Urgency | None) -> bool:
        """Critical cases, urgent repairs and the categories the estate marks 24/7."""
        return (
            severity is Severity.CRITICAL
            or urgency is Urgency.URGENT
            or category in self.around_the_clock_categories
        )

    def calendar_for(self, case: Case, rung: Role | None = None) -> ServiceCalendar:
        """The calendar a deadline of `case` runs on while `rung` (its current
        rung by default) holds it."""
        if self.on_the_clock(case.category, case.severity, case.urgency):
            return AROUND_THE_CLOCK
        return self.calendars.get(rung or case.rung, AROUND_THE_CLOCK)

    def duty_day(self, at: datetime) -> int:
        """The weekday whose duty covers `at` (Monday 0)."""
        local = at.astimezone(self.zone)
        return (local.weekday() - (1 if local.hour < DUTY_DAY_TURNS else 0)) % 7

    def on_duty(self, post: str, at: datetime) -> tuple[int, ...]:
        return self.rota.get((post, self.duty_day(at)), ())

    def duty_for(self, role: Role, at: datetime) -> tuple[int, ...]:
        """Who stands in for `role` at `at`: nobody while the role is working."""
        post = DUTY_POST_OF_ROLE.get(role)
        if post is None or self.role_calendar(role).is_open(at):
            return ()
        return self.on_duty(post, at)

    def role_calendar(self, role: Role) -> ServiceCalendar:
        return self.calendars.get(role, AROUND_THE_CLOCK)

    def in_quiet_hours(self, at: datetime) -> bool:
        return self.quiet is not None and self.quiet.is_open(at)

    def after_quiet(self, at: datetime) -> datetime:
        """`at`, or the end of the quiet hours it falls in."""
        if self.quiet is None or not self.quiet.is_open(at):
            return at
        for _begin, end in self.quiet.spans_from(at):
            # Adjacent spans (23:00-24:00, then 00:00-08:00) run on.
            if not self.quiet.is_open(end):
                return end
        return at  # pragma: no cover
