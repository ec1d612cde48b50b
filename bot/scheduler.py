"""Deadlines live in the database; one repeating job sweeps them.

Why not one APScheduler job per case: each costs about 1 KB and 40 µs to
rebuild, and APScheduler silently drops a run that starts more than its
grace time late. A single sweep reading `deadlines` by time needs no
rebuilding at start-up (the first sweep runs at once and fires whatever fell
due while the bot was down), and a sweep that runs late still finds every
due row, so a busy event loop delays a deadline but never loses it.
"""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes, Job, JobQueue

from bot.services import services

log = logging.getLogger(__name__)

SWEEP_JOB = "deadline-sweep"


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_timers(context.application)


async def run_timers(application: Application) -> None:  # type: ignore[type-arg]
    """Everything that happens because time passed: case deadlines, then patrol
    rounds and shift handovers."""
    from handlers import patrol, reports

    svc = services(application)
    fired = await svc.desk.sweep()
    if fired:
        log.info("deadline sweep fired %d timer(s)", len(fired))
        svc.wake_courier()
    await patrol.check(svc.shell)
    await reports.weekly_summary(svc.shell)


def schedule_sweeps(
    job_queue: JobQueue[ContextTypes.DEFAULT_TYPE], interval: float
) -> Job[ContextTypes.DEFAULT_TYPE]:
    for old in job_queue.get_jobs_by_name(SWEEP_JOB):
        old.schedule_removal()
    return job_queue.run_repeating(
        sweep_job,
        interval=interval,
        first=0.0,
        name=SWEEP_JOB,
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
