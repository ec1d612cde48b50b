"""Builds the Telegram application: settings in, a ready Application out."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.error import Conflict, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    ContextTypes,
)

from bot.daily_backup import DailyBackup
from bot.health import BotHealth
from bot.persistence import SqlitePersistence
from bot.scheduler import SteadyClock, Sweeper
from bot.services import (
    RUNTIME_KEY,
    BroadcastHandle,
    CourierHandle,
    Runtime,
    StoreBoards,
    services,
)
from bot.settings import Settings
from bot.storage import Store, store_at
from delivery.breaker import Outage
from delivery.bulletins import Broadcaster
from delivery.courier import Courier
from delivery.limits import SendLimits, TelegramLimiter, Window
from delivery.surveys import SurveySender
from delivery.transport import AiohttpRequest, SanitizingRequest
from handlers.context import SERVICES_KEY, CompanyDesk, DeskContext, Services
from handlers.setup import register
from views.i18n import language_for, translator_for
from workflow.bulletin_service import Bulletins
from workflow.casebook_service import Casebook, Marks
from workflow.clock import Clock, SystemClock
from workflow.directory_service import Directory
from workflow.duty_service import Duty
from workflow.estate import EstateConfig
from workflow.incident_service import Incidents
from workflow.notifications import Announcement, Notice
from workflow.reach import rungs_in_use, unreachable
from workflow.service import Desk
from workflow.survey_service import Surveys

log = logging.getLogger(__name__)

LIMITS_KEY = "estate_desk.limits"
SWEEPER_KEY = "estate_desk.sweeper"
BACKUP_KEY = "estate_desk.daily_backup"
WATCH_KEY = "estate_desk.polling"
# Conflicts further apart than this are not "in a row": a deploy's overlap of a
# few seconds, long ago, does not count towards stopping.
CONFLICT_WINDOW = 300.0
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
    "survey",
    "surveys",
]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are served side by side; one chat's updates in the
    order they came, so a resident's quick taps never race each other."""

    def __init__(
        self, max_concurrent_updates: int, on_update: Callable[[], None] | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.on_update = on_update
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = 0
        if self.on_update is not None:
            self.on_update()
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


class PollingWatch:
    """The first error handler: `run_polling` hands it getUpdates' errors (with
    no update). A polling glitch is one WARNING line, not "an update failed" with
    a traceback (the updater retries with back-off); 409 Conflict answers in a
    row mean another process polls with this token: the bot stops, with
    `gave_up` saying why, rather than split the updates with it."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        conflicts_before_exit: int,
        monotonic: Any = time.monotonic,
    ) -> None:
        self.application = application
        self.limit = conflicts_before_exit
        self.monotonic = monotonic
        self.conflicts: list[float] = []
        self.gave_up: str | None = None
        # How to stop once it gives up: run_polling's way by default; several
        # applications in one event loop (a company of estates) stop all together.
        self.stop: Callable[[], None] = application.stop_running

    async def on_error(self, update: object, context: DeskContext) -> None:
        if update is None and isinstance(context.error, TelegramError):
            self.polling_failed(context.error)
            raise ApplicationHandlerStop  # not "an update failed": there was no update

    def polling_failed(self, error: TelegramError) -> None:
        if not isinstance(error, Conflict):
            kind = "network error" if isinstance(error, NetworkError) else "error"
            log.warning("polling Telegram: %s (%s); retrying", kind, error)
            return
        now = self.monotonic()
        self.conflicts = [at for at in self.conflicts if now - at < CONFLICT_WINDOW]
        self.conflicts.append(now)
        log.warning(
            "polling Telegram: 409 Conflict %d of %d (%s)", len(self.conflicts), self.limit, error
        )
        if len(self.conflicts) >= self.limit and self.gave_up is None:
            self.gave_up = (
                f"Telegram answered 409 Conflict {len(self.conflicts)} times: another process "
                "is polling with this bot token (a second instance, or a webhook elsewhere); "
                "stopping this one"
            )
            log.error("%s", self.gave_up)
            self.stop()


def build_application(
    settings: Settings,
    estate: EstateConfig,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    company: CompanyDesk | None = None,
) -> Application:  # type: ignore[type-arg]
    """One estate's bot. `store` is the estate's (default: the one DATABASE_URL or
    DATABASE_PATH names); `company`, for an estate of a company, what the company
    role's commands read across estates."""
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    clock = clock or SystemClock()
    store = store or store_at(settings.database)
    wait = settings.telegram_timeout
    # Telegram's three limits, one set of windows: the limiter every Bot API call
    # passes waits on them, and the courier decides digests and deferrals by them.
    health = BotHealth(settings, estate, store, clock)
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
        .concurrent_updates(
            PerChatUpdateProcessor(settings.concurrent_updates, health.update_received)
        )
        .persistence(SqlitePersistence(store))
        .post_init(_open)
        .post_stop(_stop)
        .post_shutdown(_close)
        .build()
    )
    desk = Desk(store, estate.policy(), clock, estate.zone, admins=tuple(settings.admin_ids))
    bulletins = Bulletins(store, clock)
    survey_sender = SurveySender(
        store, application.bot, clock, estate.zone, language_for(estate.default_language), store
    )
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
        bulletins=bulletins,
        incidents=Incidents(store, clock),
        broadcast=BroadcastHandle(),
        surveys=Surveys(store, clock, bulletins),
        survey_delivery=survey_sender,
        admin_ids=frozenset(settings.admin_ids),
        health=health,
        company=company,
    )
    application.bot_data[SERVICES_KEY] = shell
    application.bot_data[RUNTIME_KEY] = Runtime(
        settings=settings,
        estate=estate,
        store=store,
        desk=desk,
        clock=clock,
        shell=shell,
        survey_sender=survey_sender,
    )
    application.bot_data[LIMITS_KEY] = limits
    watch = PollingWatch(application, settings.conflicts_before_exit)
    application.bot_data[WATCH_KEY] = watch
    application.add_error_handler(watch.on_error)  # before the handlers' own
    register(application)
    return application


def polling_watch(application: Application) -> PollingWatch:  # type: ignore[type-arg]
    watch = application.bot_data[WATCH_KEY]
    assert isinstance(watch, PollingWatch)
    return watch


async def _open(application: Application) -> None:  # type: ignore[type-arg]
    svc = services(application)
    await svc.store.open()
    svc.courier = Courier(
        svc.store,
        application.bot,
        svc.clock,
        svc.estate.zone,
        language_for(svc.estate.default_language),
        estate=svc.estate,
        limits=application.bot_data[LIMITS_KEY],
        admins=svc.settings.admin_ids,
    )
    # Retries and deferrals on a clock the system's clock steps cannot move.
    svc.courier.wall = SteadyClock()
    svc.courier.breaker.on_recovered = _telling_admins(svc)
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
    if svc.survey_sender is not None:
        svc.survey_sender.start()
    if isinstance(svc.shell.broadcast, BroadcastHandle):
        svc.shell.broadcast.broadcaster = svc.broadcaster
    if isinstance(svc.shell.outbound, CourierHandle):
        svc.shell.outbound.courier = svc.courier
    await _report_unseen_rungs(svc)
    sweeper = Sweeper(application, svc.settings.sweep_seconds)
    application.bot_data[SWEEPER_KEY] = sweeper
    sweeper.start()
    if svc.settings.backup_dir is not None and svc.settings.sqlite_path is None:
        log.warning(
            "BACKUP_DIR is for a SQLite database; back PostgreSQL up with pg_dump "
            "(docs/deployment.md): no daily backup taken"
        )
    elif svc.settings.backup_dir is not None and svc.settings.sqlite_path is not None:
        daily = DailyBackup(
            svc.settings.sqlite_path,
            svc.settings.backup_dir,
            svc.settings.backup_keep,
            svc.settings.backup_at,
            svc.estate.zone,
            svc.clock,
        )
        application.bot_data[BACKUP_KEY] = daily
        daily.start()
    try:
        for language, code in ((svc.estate.default_language, None), ("en", "en")):
            t = translator_for(svc.estate, language)
            await application.bot.set_my_commands(
                [BotCommand(c, t.raw("command." + c)) for c in COMMANDS], language_code=code
            )
    except TelegramError as error:  # the menu of commands is a nicety: serve without it
        log.warning("setting the bot's commands: %s; the menu may be out of date", error)


async def _report_unseen_rungs(svc: Runtime) -> None:
    """No invisible rungs: every rung a case can reach should have a bound group
    or a holder. Those without are logged and told to each admin (through the
    outbox); meanwhile a case reaching one goes on to the next rung up."""
    async with svc.store.transaction() as tx:
        seen = await tx.reachable_rungs()
        gaps = unreachable(rungs_in_use(svc.estate.routing_table()), seen, ())
        if not gaps:
            return
        log.warning(
            "rungs nobody can see (no bound group, no holder): %s", ", ".join(map(str, gaps))
        )
        notices = [
            Notice(
                kind=Announcement.RUNGS_UNSEEN,
                user_id=admin,
                params={"roles": [str(r) for r in gaps]},
            )
            for admin in sorted(svc.settings.admin_ids)
        ]
        await tx.enqueue_notices(notices, svc.clock.now())


def _telling_admins(svc: Runtime) -> Callable[[Outage], Awaitable[None]]:
    """What the courier's breaker does once the database takes writes again:
    each admin is told, through the outbox like any message (while it was
    failing there was no outbox to write to, and nothing was to be sent)."""

    async def tell(outage: Outage) -> None:
        notices = [
            Notice(
                kind=Announcement.DELIVERY_RESUMED,
                user_id=admin,
                params={"since": outage.since.isoformat(), "error": outage.error},
            )
            for admin in sorted(svc.settings.admin_ids)
        ]
        if notices:
            async with svc.store.transaction() as tx:
                await tx.enqueue_notices(notices, svc.clock.now())

    return tell


async def _stop(application: Application) -> None:  # type: ignore[type-arg]
    sweeper = application.bot_data.get(SWEEPER_KEY)
    if isinstance(sweeper, Sweeper):
        await sweeper.stop()
    daily = application.bot_data.get(BACKUP_KEY)
    if isinstance(daily, DailyBackup):
        await daily.stop()
    courier = services(application).courier
    if courier is not None:
        await courier.stop()
    broadcaster = services(application).broadcaster
    if broadcaster is not None:
        await broadcaster.stop()
    survey_sender = services(application).survey_sender
    if survey_sender is not None:
        await survey_sender.stop()


async def _close(application: Application) -> None:  # type: ignore[type-arg]
    await services(application).store.close()
