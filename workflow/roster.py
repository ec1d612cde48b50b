"""Who is on duty, and how patrol rounds went: pure functions of the estate's
shifts and checkpoints, the duty buttons pressed and the checkpoints scanned.

Rounds run around the clock from local midnight, each `every` long (60 min by
default): a checkpoint scanned within its round is done; scanned up to
`grace` after the round, late; not scanned by then, missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from workflow.estate import Checkpoint, EstateConfig, Shift


@dataclass(frozen=True)
class DutyRow:
    user_id: int
    on_duty: bool
    since: datetime


@dataclass(frozen=True)
class Scan:
    checkpoint: str
    user_id: int
    at: datetime


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: Checkpoint
    status: str  # done, late, missed, pending
    scan: Scan | None


@dataclass(frozen=True)
class Round:
    start: datetime
    end: datetime
    results: list[CheckpointResult]

    def problems(self) -> list[CheckpointResult]:
        return [r for r in self.results if r.status in ("late", "missed")]


def current_shift(
    shifts: list[Shift], now: datetime, zone: ZoneInfo
) -> tuple[Shift, datetime] | None:
    """The shift running at `now`, and when it began (UTC)."""
    local = now.astimezone(zone)
    for shift in shifts:
        for day in (local.date(), local.date() - timedelta(days=1)):
            start = datetime.combine(day, shift.start, zone)
            end_day = day if shift.end > shift.start else day + timedelta(days=1)
            end = datetime.combine(end_day, shift.end, zone)
            if start <= local < end:
                return shift, start.astimezone(now.tzinfo)
    return None


def on_duty(estate: EstateConfig, rows: list[DutyRow], now: datetime) -> dict[int, datetime]:
    """Guards on duty now: those pressed on, and those scheduled in the current
    shift unless they pressed off since it began."""
    result: dict[int, datetime] = {}
    running = current_shift(estate.shifts, now, estate.zone)
    pressed = {row.user_id: row for row in rows}
    if running is not None:
        shift, began = running
        for user_id in shift.guards:
            row = pressed.get(user_id)
            if row is not None and not row.on_duty and row.since >= began:
                continue
            result[user_id] = began
    for row in rows:
        if row.on_duty:
            result[row.user_id] = row.since
    return result


def rounds(
    estate: EstateConfig, scans: list[Scan], now: datetime, since: datetime | None = None
) -> list[Round]:
    """Today's rounds (local time) that have begun by `now`."""
    zone = estate.zone
    every, grace = estate.patrol.every, estate.patrol.grace
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), datetime.min.time(), zone)
    found = []
    while start <= local and estate.checkpoints:
        end = start + every
        if since is not None and end + grace <= since:
            start = end  # finished before `since`: not asked for
            continue
        results = []
        for checkpoint in estate.checkpoints:
            mine = sorted(
                (
                    s
                    for s in scans
                    if s.checkpoint == checkpoint.id
                    and start <= s.at.astimezone(zone) < end + grace
                ),
                key=lambda s: s.at,
            )
            if mine and mine[0].at.astimezone(zone) < end:
                results.append(CheckpointResult(checkpoint, "done", mine[0]))
            elif mine:
                results.append(CheckpointResult(checkpoint, "late", mine[0]))
            elif local >= end + grace:
                results.append(CheckpointResult(checkpoint, "missed", None))
            else:
                results.append(CheckpointResult(checkpoint, "pending", None))
        found.append(Round(start.astimezone(now.tzinfo), end.astimezone(now.tzinfo), results))
        start = end
    return found
