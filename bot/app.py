"""Builds the Telegram application: settings in, a ready Application out."""

from __future__ import annotations

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.estate import EstateConfig
from bot.scheduler import schedule_sweeps
from bot.services import SERVICES_KEY, LogNotifier, Notifier, Services, services
from bot.settings import Settings
from bot.storage import SqliteStore
from workflow.clock import Clock, SystemClock
from workflow.service import Desk

# Measured against a bare echo bot on the fake server with 50 ms latency
# (issue 7's figures): 8-32 concurrent updates is the sweet spot.
CONCURRENT_UPDATES = 16


def build_application(
    settings: Settings,
    estate: EstateConfig,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
) -> Application:  # type: ignore[type-arg]
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    clock = clock or SystemClock()
    store = SqliteStore(settings.database_path)
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_open)
        .post_shutdown(_close)
        .build()
    )
    application.bot_data[SERVICES_KEY] = Services(
        settings=settings,
        estate=estate,
        store=store,
        desk=Desk(store, estate.policy(), clock, estate.zone),
        clock=clock,
        notifier=notifier or LogNotifier(),
    )
    return application


async def _open(application: Application) -> None:  # type: ignore[type-arg]
    svc = services(application)
    await svc.store.open()
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    schedule_sweeps(application.job_queue, svc.settings.sweep_seconds)


async def _close(application: Application) -> None:  # type: ignore[type-arg]
    await services(application).store.close()
