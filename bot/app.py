"""Builds the Telegram application: settings in, a ready Application out."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes

from bot.persistence import SqlitePersistence
from bot.scheduler import schedule_sweeps
from bot.services import (
    RUNTIME_KEY,
    BroadcastHandle,
    CourierHandle,
    Runtime,
    StoreBoards,
    services,
)
from bot.settings import Settings
from bot.storage import SqliteStore
from delivery.bulletins import Broadcaster
from delivery.courier import Courier
from delivery.limits import SendLimits, TelegramLimiter, Window
from delivery.transport import AiohttpRequest, SanitizingRequest
from handlers.context import SERVICES_KEY, DeskContext, Services
from handlers.setup import register
from views.i18n import Translator, language_for
from workflow.bulletin_service import Bulletins
from workflow.casebook_service import Casebook, Marks
from workflow.clock import Clock, SystemClock
from workflow.directory_service import Directory
from workflow.duty_service import Duty
from workflow.estate import EstateConfig
from workflow.incident_service import Incidents
from workflow.service import Desk

LIMITS_KEY = "estate_desk.limits"
COMMANDS = [
    "start",
    "help",
    "language",
    "cancel",
    "whoami",
    "overview",
    "duty",
    "patrol",
    "log",
    "report",
    "export",
    "notice",
    "notices",
    "incident",
]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are served side by side; one chat's updates in the
    order they came, so a resident's quick taps never race each other."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = 0
        if isinstance(update, Update):
            chat, user = update.effective_chat, update.effective_user
            key = chat.id if chat else (user.id if user else 0)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def build_application(
    settings: Settings,
    estate: EstateConfig,
    *,
    clock: Clock | None = None,
) -> Application:  # type: ignore[type-arg]
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    clock = clock or SystemClock()
    store = SqliteStore(settings.database_path)
    wait = settings.telegram_timeout
    # Telegram's three limits, one set of windows: the limiter every Bot API call
    # passes waits on them, and the courier decides digests and deferrals by them.
    limits = SendLimits(
        per_chat=Window(1, 1.0 / settings.chat_messages_per_second),
        per_group=Window(settings.group_messages_per_minute, 60.0),
        overall=Window(max(1, int(settings.messages_per_second)), 1.0),
    )
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .request(AiohttpRequest(read_timeout=wait, write_timeout=wait, connect_timeout=wait))
        .get_updates_request(
            SanitizingRequest(
                connection_pool_size=1,
                read_timeout=wait,
                write_timeout=wait,
                connect_timeout=wait,
            )
        )
        .rate_limiter(TelegramLimiter(limits, max_retries=3))
        .context_types(ContextTypes(context=DeskContext))
        .concurrent_updates(PerChatUpdateProcessor(settings.concurrent_updates))
        .persistence(SqlitePersistence(store))
        .post_init(_open)
        .post_stop(_stop)
        .post_shutdown(_close)
        .build()
    )
    desk = Desk(store, estate.policy(), clock, estate.zone)
    shell = Services(
        estate=estate,
        desk=desk,
        clock=clock,
        directory=Directory(store, clock),
        duty=Duty(store, clock, estate),
        casebook=Casebook(store),
        marks=Marks(store),
        outbound=CourierHandle(),
        boards=StoreBoards(store),
        bulletins=Bulletins(store, clock),
        incidents=Incidents(store, clock),
        broadcast=BroadcastHandle(),
        admin_ids=frozenset(settings.admin_ids),
    )
    application.bot_data[SERVICES_KEY] = shell
    application.bot_data[RUNTIME_KEY] = Runtime(
        settings=settings, estate=estate, store=store, desk=desk, clock=clock, shell=shell
    )
    application.bot_data[LIMITS_KEY] = limits
    register(application)
    return application


async def _open(application: Application) -> None:  # type: ignore[type-arg]
    svc = services(application)
    await svc.store.open()
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    svc.courier = Courier(
        svc.store,
        application.bot,
        svc.clock,
        svc.estate.zone,
        language_for(svc.estate.default_language),
        estate=svc.estate,
        limits=application.bot_data[LIMITS_KEY],
    )
    svc.courier.start()
    svc.broadcaster = Broadcaster(
        svc.store,
        application.bot,
        svc.clock,
        svc.estate.zone,
        language_for(svc.estate.default_language),
        release=svc.shell.bulletins.release_due,
        refusals=svc.store,
    )
    svc.broadcaster.start()
    if isinstance(svc.shell.broadcast, BroadcastHandle):
        svc.shell.broadcast.broadcaster = svc.broadcaster
    if isinstance(svc.shell.outbound, CourierHandle):
        svc.shell.outbound.courier = svc.courier
    schedule_sweeps(application.job_queue, svc.settings.sweep_seconds)
    for language, code in ((svc.estate.default_language, None), ("en", "en")):
        t = Translator(language_for(language), svc.estate.zone)
        await application.bot.set_my_commands(
            [BotCommand(c, t.raw("command." + c)) for c in COMMANDS], language_code=code
        )


async def _stop(application: Application) -> None:  # type: ignore[type-arg]
    courier = services(application).courier
    if courier is not None:
        await courier.stop()
    broadcaster = services(application).broadcaster
    if broadcaster is not None:
        await broadcaster.stop()


async def _close(application: Application) -> None:  # type: ignore[type-arg]
    await services(application).store.close()
