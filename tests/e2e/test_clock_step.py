"""The system clock stepping back an hour (NTP, a restored VM, a date fixed by
hand): the deadline sweep keeps its pace, and a due deadline fires once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, tzinfo

import pytest

from tests.e2e.harness import RESIDENTS, Estate
from tests.e2e.steps import file_case
from workflow import commands as cmd
from workflow.clock import SystemClock
from workflow.model import Actor, Category, EventKind, Location, Urgency
from workflow.roles import Role

STEP = timedelta(hours=1)


class WallClockAnHourBack(datetime):
    """`datetime.now()` as a process sees it once the system clock stepped back."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> WallClockAnHourBack:
        real = datetime.now(tz) - STEP
        return cls.fromtimestamp(real.timestamp(), real.tzinfo)


def step_the_wall_clock_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every wall-clock reader a timer could be scheduled by (APScheduler, which
    python-telegram-bot's JobQueue runs on) now reads an hour earlier; the
    monotonic clock, like a real machine's, does not move."""
    for module in ("apscheduler.schedulers.base", "apscheduler.triggers.interval"):
        monkeypatch.setattr(f"{module}.datetime", WallClockAnHourBack)
    monkeypatch.setattr(SystemClock, "now", lambda self: datetime.now(UTC) - STEP)


async def escalations(estate: Estate, ref: str) -> int:
    case = await estate.case(ref)
    svc = estate.app.bot_data["estate_desk"]
    async with svc.store.reading() as tx:
        events = await tx.events_of_case(case.id)
    return sum(1 for e in events if e.kind is EventKind.ESCALATED)


async def test_the_clock_stepping_back_an_hour_does_not_stall_the_timers(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "Lift stuck", urgency="🕒"
    )
    await asyncio.sleep(0.5)  # the sweep has been running on its 0.2 s pace

    step_the_wall_clock_back(monkeypatch)
    estate.clock.advance(-STEP)  # the desk's clock too: deadlines are compared in UTC
    # Then the acknowledge deadline passes, and nobody calls the sweep by hand:
    # only the bot's own repeating sweep can fire it.
    estate.clock.advance(STEP + timedelta(hours=2))

    for _ in range(50):  # 5 s: 25 sweeps' worth
        if (await estate.case(ref)).rung is not Role.REPAIR_LEAD:
            break
        await asyncio.sleep(0.1)
    assert (await estate.case(ref)).rung is Role.REPAIR_SUPERVISOR, "the sweep stalled"
    await asyncio.sleep(0.6)  # a few more sweeps
    assert await escalations(estate, ref) == 1, "the deadline fired once"


async def test_a_message_waiting_to_be_retried_is_not_held_back_by_the_clock_stepping_back(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = estate.app.bot_data["estate_desk"]
    svc.courier.retry_delays = (0.5,)
    user_id, _lang, building, unit, _phone = RESIDENTS["smith"]
    smith = estate.resident("smith")
    smith.send("/start")
    await estate.settle()
    mark = smith.last_message_id()
    estate.world.faults.error_rate = 1.0  # Telegram is down: every send fails, to be retried
    await svc.desk.file(
        cmd.FileCase(
            actor=Actor(user_id, frozenset({Role.RESIDENT})),
            category=Category.REPAIR,
            description="Door lock broken",
            location=Location(building, unit),
            urgency=Urgency.NORMAL,
        )
    )
    svc.wake_courier()
    for _ in range(100):  # the first try failed, and the retry is scheduled
        async with svc.store.reading() as tx:
            rows = await tx._all("SELECT id FROM outbox WHERE done_at IS NULL AND attempts > 0")
        if rows:
            break
        await asyncio.sleep(0.02)
    assert rows, "a send failed and waits to be retried"
    step_the_wall_clock_back(monkeypatch)  # ...while the retry waits its 0.5 s
    estate.world.faults.error_rate = 0.0

    # the courier looks again within 5 s (its idle round), and finds the retry due
    assert await smith.wait_for_message(after=mark, timeout=10)
