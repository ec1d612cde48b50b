"""Clocks. The core never reads the wall clock; the shell hands it one of these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests (and the playground) move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class SimulatedClock:
    """Time that runs `speed` times faster than the wall clock from a fixed
    start, and can be moved on by hand: the playground's fast-forward and the
    end-to-end tests' "minutes pass in seconds". Two processes given the same
    start, epoch and speed agree on the time, so a restarted bot carries on."""

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        epoch: float | None = None,
        wall: Clock | None = None,
    ) -> None:
        self._wall = wall or SystemClock()
        self._start = start
        self._speed = speed
        self._epoch = datetime.fromtimestamp(epoch, UTC) if epoch is not None else self._wall.now()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        elapsed = (self._wall.now() - self._epoch) * self._speed
        return self._start + elapsed + self._offset

    def advance(self, delta: timedelta) -> datetime:
        self._offset += delta
        return self.now()
