"""`python -m bot` with COMPANY_CONFIG: every estate of the company served by
one process, each its own bot.

One PTB Application per estate (bot.app.build_application: its own token,
estate file and store in its own PostgreSQL schema; its own sweeper, courier
and limiter, Telegram's limits being per bot), all started in one event loop
with PTB's manual lifecycle and stopped in order on SIGTERM or SIGINT. One
lease for the deployment: a standby takes over every estate at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime
from typing import Any

from telegram.error import NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application, polling_watch
from bot.company import Company, CompanyPort, site_settings, site_store
from bot.serving import fail as _fail
from bot.serving import stop_serving as _stop_serving
from bot.serving import take_lease
from bot.settings import Settings
from bot.storage import StoreError
from bot.storage.company import HOLDER_TABLE, CompanyStore
from bot.storage.lease import PostgresLease, holder_here
from workflow.clock import Clock, SimulatedClock

log = logging.getLogger("bot")

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
App = Application[Any, Any, Any, Any, Any, Any]


def run_company(settings: Settings, company: Company) -> int:
    from bot.reaching import TokenRefused

    url = settings.postgres_url
    if url is None:  # load_company refused it already
        return _fail("COMPANY_CONFIG needs DATABASE_URL=postgresql://…")
    lease = PostgresLease(
        url, wait=settings.standby, on_lost=_stop_serving, holder_table=HOLDER_TABLE
    )
    refused = take_lease(lease)
    if refused is not None:
        return refused
    try:
        gave_up = asyncio.run(_serve(settings, company, url))
    except StoreError as exc:
        return _fail(str(exc))
    except TokenRefused as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("stopped before Telegram answered", 130)
    except NetworkError as exc:
        return _fail(f"Telegram unreachable while starting ({exc}); start the bot again", 1)
    finally:
        lease.release()
    if gave_up is not None:
        return _fail(gave_up, code=3)
    return 0


async def _serve(settings: Settings, company: Company, url: str) -> str | None:
    """Serve every estate until told to stop; what made a bot give up, if one did."""
    from bot.reaching import wait_for_telegram

    now = datetime.now(UTC)
    stop = asyncio.Event()
    clock: Clock | None = None
    if settings.sim_start is not None:
        clock = SimulatedClock(settings.sim_start, settings.sim_speed, settings.sim_epoch)
    async with CompanyStore(url) as company_store:
        await company_store.sync_staff(company.staff, now)
        await company_store.record_holder(*holder_here(), now)
        for site in company.sites:  # migrated, writable: found now, before Telegram is called
            async with site_store(settings, site, 1):
                pass  # one at a time: a pool of its own each, closed at once
        for site in company.sites:
            await wait_for_telegram(site_settings(settings, site))
        port = CompanyPort(company, company_store)
        applications: list[App] = []
        for site in company.sites:
            store = site_store(settings, site, len(company.sites))
            application = build_application(
                site_settings(settings, site), site.estate, clock=clock, store=store, company=port
            )
            polling_watch(application).stop = stop.set
            port.add(site, store)
            applications.append(application)
        # From here on SIGTERM and SIGINT stop every bot in order (before, while
        # still waiting for Telegram, they end the process as they always did).
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        started: list[App] = []
        try:
            for application in applications:
                await _start(application, started)
            log.info("serving %d estates: %s", len(started), ", ".join(s.id for s in company.sites))
            await stop.wait()
        finally:
            for application in reversed(started):
                await _stop(application)
    return next(
        (w.gave_up for w in map(polling_watch, applications) if w.gave_up is not None), None
    )


async def _start(application: App, started: list[App]) -> None:
    """What run_polling does before it waits: initialize, post_init, poll, start."""
    await application.initialize()
    started.append(application)
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None

    def polling_failed(error: TelegramError) -> None:
        application.create_task(application.process_error(error=error, update=None))

    await application.updater.start_polling(
        allowed_updates=ALLOWED_UPDATES, error_callback=polling_failed
    )
    await application.start()


async def _stop(application: App) -> None:
    """What run_polling does once told to stop, for one estate's bot."""
    with contextlib.suppress(Exception):
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
