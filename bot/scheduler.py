"""Deadlines live in the database; one repeating sweep fires them.

Why not one APScheduler job per case: each costs about 1 KB and 40 µs to
rebuild, and APScheduler silently drops a run that starts more than its
grace time late. A single sweep reading `deadlines` by time needs no
rebuilding at start-up (the first sweep runs at once and fires whatever fell
due while the bot was down), and a sweep that runs late still finds every
due row, so a busy event loop delays a deadline but never loses it.

Why not PTB's JobQueue for the sweep either: APScheduler schedules on the wall
clock, so the system clock stepping back an hour (NTP, a VM restored, a wrong
date fixed by hand) left the next run an hour away and stalled every timer.
The sweep is a plain task on the event loop, whose clock is monotonic: it runs
every `interval` seconds whatever the wall clock does, and each run compares
the deadlines, stored in UTC, with the desk's clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram.ext import Application

from bot.services import services
from delivery.rounds import stop_task
from workflow.clock import Clock, SystemClock

log = logging.getLogger(__name__)


async def run_timers(application: Application) -> None:  # type: ignore[type-arg]
    """Everything that happens because time passed: case deadlines, then patrol
    rounds and shift handovers, the weekly summary, surveys closing and reminding."""
    from handlers import patrol, reports, surveys

    svc = services(application)
    fired = await svc.desk.sweep()
    if fired:
        log.info("deadline sweep fired %d timer(s)", len(fired))
        svc.wake_courier()
    await patrol.check(svc.shell)
    await reports.weekly_summary(svc.shell)
    await surveys.sweep(svc.shell)


class SteadyClock(SystemClock):
    """UTC that never jumps: the wall clock read once, then moved on by the
    monotonic clock. The courier's retries and deferrals ("again in 30 s") are
    stamped and compared with it, so a wall clock stepped back an hour does not
    hold a retried message back for that hour."""

    def __init__(
        self, wall: Clock | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._monotonic = monotonic
        self._start = (wall or SystemClock()).now()
        self._at = monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._at)


class Sweeper:
    """`run_timers` every `interval` seconds of the event loop's monotonic clock.
    A run that overruns is followed by the next at once, never by a catch-up
    burst; a failing run is logged once (not every second) and retried."""

    def __init__(self, application: Application, interval: float) -> None:  # type: ignore[type-arg]
        self.application = application
        self.interval = interval
        self.runs = 0
        self._task: asyncio.Task[None] | None = None
        self._failing: str | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="deadline-sweep")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            await self._sweep()
            self.runs += 1
            next_at = max(next_at + self.interval, loop.time())
            await asyncio.sleep(next_at - loop.time())

    async def _sweep(self) -> None:
        try:
            await run_timers(self.application)
        except Exception as error:
            said = f"{type(error).__name__}: {error}"
            if said != self._failing:
                log.exception("the deadline sweep failed; it runs again every %ss", self.interval)
            self._failing = said
            return
        if self._failing is not None:
            log.warning("the deadline sweep works again")
            self._failing = None
