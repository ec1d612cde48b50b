"""Service time: the hours a team works, as a calendar that adds durations.

A `ServiceCalendar` knows, in the estate's time zone, which spans of which
weekdays a team works and which days it is closed (public holidays and the
estate's own dates). `add(start, 30 min)` is the instant at which 30 minutes of
service time have passed since `start`: a complaint filed at 23:00 to a team
that starts at 07:00 is due at 07:30. `AROUND_THE_CLOCK` is the calendar of
whatever runs on the wall clock (urgent repairs, critical cases, guards).

Pure: no clock is read; every instant is handed in (timezone-aware) and
every instant returned is in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead a calendar looks for its next open span before giving up
# (a calendar closed for longer than this is a mistake the config rejects).
HORIZON_DAYS = 400


@dataclass(frozen=True, order=True)
class Span:
    """Part of a day, `start` to `end` local time; `end` None means midnight."""

    start: time
    end: time | None = None

    def on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        begin = datetime.combine(day, self.start, zone)
        finish = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if self.end is None
            else datetime.combine(day, self.end, zone)
        )
        return begin.astimezone(UTC), finish.astimezone(UTC)


def _never_closed(day: date) -> bool:
    return False


@dataclass(frozen=True)
class ServiceCalendar:
    """`week` maps a weekday (Monday 0) to the spans worked that day; `closed`
    says whether a date is a closure day. An empty `week` with
    `around_the_clock` set is the wall clock itself."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Hong_Kong"))
    week: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)
    closed: Callable[[date], bool] = _never_closed
    around_the_clock: bool = False

    # --- questions -----------------------------------------------------------

    def spans_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open spans (UTC) that end after `at`, in order."""
        day = at.astimezone(self.zone).date() - timedelta(days=1)  # a span may cross midnight
        for offset in range(HORIZON_DAYS + 2):
            current = day + timedelta(days=offset)
            if self.closed(current):
                continue
            for span in sorted(self.week.get(current.weekday(), ())):
                begin, end = span.on(current, self.zone)
                if end > at:
                    yield begin, end
        raise ValueError(f"no service hours within {HORIZON_DAYS} days of {at.isoformat()}")

    def is_open(self, at: datetime) -> bool:
        if self.around_the_clock:
            return True
        begin, _end = next(self.spans_from(at))
        return begin <= at

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when the team is working then, else when it next starts."""
        if self.around_the_clock:
            return at.astimezone(UTC)
        begin, _end = next(self.spans_from(at))
        return max(begin, at).astimezone(UTC)

    def next_period(self, at: datetime) -> datetime:
        """When the next service period starts after the one `at` is in (or
        the next one, if the team is not working at `at`)."""
        if self.around_the_clock:
            return at.astimezone(UTC)
        spans = self.spans_from(at)
        begin, end = next(spans)
        if begin > at:
            return begin
        for begin, following in spans:
            if begin > end:  # a break: not the same period running on
                return begin
            end = following
        raise AssertionError("unreachable: spans_from raises first")  # pragma: no cover

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when `duration` of service time has passed since `start`."""
        if self.around_the_clock or duration <= timedelta(0):
            return (start + max(duration, timedelta(0))).astimezone(UTC)
        left = duration
        for begin, end in self.spans_from(start):
            cursor = max(begin, start)
            available = end - cursor
            if left <= available:
                return (cursor + left).astimezone(UTC)
            left -= available
        raise AssertionError("unreachable: spans_from raises first")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Service time between two instants (zero if `end` comes first)."""
        if end <= start:
            return timedelta(0)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        for begin, finish in self.spans_from(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total


AROUND_THE_CLOCK = ServiceCalendar(around_the_clock=True)
