"""A whole estate on one machine: the fake Telegram, the real Application built
by `bot.app.build_application` (the same one `python -m bot` runs), a fake
clock, and the people of a small estate with their phones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from telegram.ext import Application

from bot.app import build_application
from bot.estate import load_estate
from bot.scheduler import run_timers
from bot.services import services
from bot.settings import Settings
from bot.storage import store_at
from playground.fake_telegram import Chat, FakeTelegramServer, FakeUser, Shown, World
from tests.databases import database_for, database_setting, forget
from workflow.clock import FakeClock
from workflow.directory import Person
from workflow.estate import EstateConfig
from workflow.model import Case
from workflow.roles import Role

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Hong Kong
ADMIN_ID = 1

STAFF: dict[Role, tuple[int, str, str]] = {
    Role.FRONT_DESK: (10, "Fiona Desk", "zh-hant"),
    Role.REPAIR_LEAD: (20, "Leo Repair", "zh-hant"),
    Role.REPAIR_SUPERVISOR: (21, "Sam Repair", "zh-hant"),
    Role.CLEANING_LEAD: (22, "Cleo Clean", "zh-hant"),
    Role.CLEANING_SUPERVISOR: (23, "Cora Clean", "zh-hant"),
    Role.SECURITY_CAPTAIN: (24, "Cap Secure", "zh-hant"),
    Role.SECURITY_SUPERVISOR: (25, "Sue Secure", "zh-hant"),
    Role.GUARD: (26, "Gus Guard", "zh-hant"),
    Role.CS_SUPERVISOR: (30, "Cindy Service", "en"),
    Role.MANAGER: (40, "Max Manager", "en"),
}
RESIDENTS: dict[str, tuple[int, str, str, str, str]] = {
    # name: (user id, Telegram language, building, unit, phone)
    "chan": (100, "zh-hant", "A", "12A", "+85291234567"),
    "wang": (101, "zh-hans", "A", "3B", "+8613800138000"),
    "smith": (102, "en", "B", "1A", "+85298765432"),
}


@dataclass
class Estate:
    server: FakeTelegramServer
    app: Application  # type: ignore[type-arg]
    clock: FakeClock
    estate: EstateConfig
    settings: Settings
    people: dict[str, FakeUser] = field(default_factory=dict)
    groups: dict[Role, Chat] = field(default_factory=dict)
    running: bool = False

    async def start_bot(self, fresh: bool = True) -> None:
        """Start the bot; `fresh` builds a new Application on the same database,
        as a restarted process would."""
        if fresh:
            self.app = build_application(self.settings, self.estate, clock=self.clock)
        app = self.app
        await app.initialize()
        assert app.post_init is not None
        assert app.updater is not None
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        courier = services(app).courier
        assert courier is not None
        courier.digester.edit_every = 0.05  # coalesce edits, but do not make tests wait
        # Pacing counts real seconds, and tests play hours in seconds: only the
        # burst test, which is about pacing, turns it on.
        courier.limits.busy_at = courier.limits.full_at = 10_000
        courier.retry_delays = (0.1,)  # a flaky network's back-off, in test time
        broadcaster = services(app).broadcaster
        assert broadcaster is not None
        broadcaster.retry_delays = (0.1,)
        broadcaster.progress_every = broadcaster.card_every = 0.0
        self.running = True

    async def stop_bot(self) -> None:
        if not self.running:
            return
        app = self.app
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        self.running = False

    @property
    def world(self) -> World:
        return self.server.world

    def staff(self, role: Role) -> FakeUser:
        return self.world.users[STAFF[role][0]]

    def resident(self, name: str) -> FakeUser:
        return self.people[name]

    async def case(self, ref: str) -> Case:
        return await services(self.app).desk.get_by_ref(ref)

    async def advance(self, delta: timedelta) -> None:
        """Let simulated time pass; the bot's own sweep job then fires what fell due."""
        self.clock.advance(delta)
        await run_timers(self.app)
        await self.settle()

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until the bot has handled every update and sent every notification:
        idle twice in a row, a little apart, so nothing was caught in between.
        A group whose real-time minute is full waits up to a minute to be edited:
        tests that fill one pass a longer `timeout`."""
        svc = services(self.app)
        quiet = 0
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            assert svc.courier is not None
            await svc.courier.flush()
            if svc.broadcaster is not None:  # notices to residents, incident cards
                await svc.broadcaster.flush()
            if svc.survey_sender is not None:  # survey invitations and reminders
                await svc.survey_sender.flush()
            async with svc.store.transaction() as tx:
                pending = (await tx.outbox_counts()).get("pending", 0)
                pending += await tx.pending_sends()
                pending += await tx.pending_survey_sends()
            digests = await svc.courier.digester.pending()
            idle = (
                not self.world.updates
                and self.app.update_queue.empty()
                and self.app.update_processor.current_concurrent_updates == 0
                and pending == 0
                and digests == 0
            )
            quiet = quiet + 1 if idle else 0
            if quiet >= 2:
                return
            await asyncio.sleep(0.03)
        raise TimeoutError(
            f"the bot did not settle: outbox {pending} pending, {digests} digests to edit, "
            f"{len(self.world.updates)} updates waiting, "
            f"{self.app.update_processor.current_concurrent_updates} being handled"
        )

    async def card(self, role: Role, ref: str) -> Shown:
        group = self.groups[role]
        found: Shown = await self.world.wait_for(
            lambda: next(
                (
                    m
                    for m in reversed(group.bot_messages())
                    if m.text.split("\n", 1)[0].find(ref) >= 0
                    and m.buttons is not None
                    and "📍" in m.text
                ),
                None,
            ),
            what=f"the card of {ref} in the {role} group",
        )
        return found

    async def press(
        self, user: FakeUser, message: Shown, label: str, settle: float = 30.0
    ) -> str | None:
        """Press a button, wait for its answer and for the bot to settle (up to
        `settle` seconds: longer in a group whose minute is full)."""
        query = user.press(message, label)
        answer = await user.answer_to(query)
        await self.settle(timeout=settle)
        return answer.text


async def seed(path: str | Path) -> None:
    async with store_at(path) as store, store.transaction() as tx:
        for role, (user_id, name, language) in STAFF.items():
            await tx.save_person(
                Person(user_id=user_id, name=name, language=language, roles=[role]), START
            )
        for name, (user_id, language, building, unit, phone) in RESIDENTS.items():
            await tx.save_person(
                Person(
                    user_id=user_id,
                    name=name.title(),
                    language=language,
                    building=building,
                    unit=unit,
                    phone=phone,
                    resident_status="approved",
                ),
                START,
            )


@asynccontextmanager
async def estate_database(tmp_path: Path) -> AsyncIterator[str | Path]:
    """The estate's database: a SQLite file in the test's folder, or with
    TEST_DATABASE_URL a fresh PostgreSQL database, dropped afterwards."""
    where = await database_for(tmp_path)
    try:
        yield where
    finally:
        await forget(where)


@asynccontextmanager
async def running_estate(
    tmp_path: Path,
    *,
    bind_groups: bool = True,
    seed_people: bool = True,
    estate_config: EstateConfig | None = None,
    **settings: object,
) -> AsyncIterator[Estate]:
    world = World()
    estate_config = estate_config or load_estate(ROOT / "estate.toml")
    async with FakeTelegramServer(world) as server, estate_database(tmp_path) as db:
        if seed_people:
            await seed(db)
        config = Settings(  # type: ignore[call-arg]  # _env_file is pydantic-settings' own
            _env_file=None,
            bot_token=SecretStr(world.token),
            bot_api_url=server.base_url,
            bot_file_url=server.file_url,
            **database_setting(db),  # type: ignore[arg-type]
            admin_ids=[ADMIN_ID],
            sweep_seconds=0.2,
            # Tests play an hour in seconds; the pacing that matters is the bot's own
            # (bot/digest.py), which the burst test measures against the fake's limits.
            **{  # type: ignore[arg-type]
                "group_messages_per_minute": 10_000,
                "chat_messages_per_second": 10_000,
                **settings,
            },
        )
        clock = FakeClock(START)
        result = Estate(
            server,
            build_application(config, estate_config, clock=clock),
            clock,
            estate_config,
            config,
        )
        admin = world.user(ADMIN_ID, "Ada Admin", language_code="en")
        for user_id, name, language in STAFF.values():
            world.user(user_id, name, language_code=language).send("/start")
        for name, (user_id, language, *_rest) in RESIDENTS.items():
            result.people[name] = world.user(user_id, name.title(), language_code=language)
        if bind_groups:
            for role, (user_id, _name, _language) in STAFF.items():
                result.groups[role] = world.group(f"{role} group", [admin, world.users[user_id]])
        world.updates.clear()  # staff /start before the bot ran: not part of the scenario
        await result.start_bot(fresh=False)
        try:
            if bind_groups:
                for role, chat in result.groups.items():
                    admin.send(f"/bind {role}", chat=chat)
                await result.settle()
            yield result
        finally:
            await result.stop_bot()
