"""A night against the real entry point: `python -m bot` in its own process,
time running 1200 times faster (eight hours in 24 s). A cleaning complaint at
23:00 waits for the cleaning team's 07:00 start; nobody else hears of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import SqliteStore
from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import BotProcess, bot_environment
from tests.e2e.harness import ADMIN_ID, RESIDENTS, STAFF, seed
from tests.e2e.steps import file_case, last_text
from tests.e2e.test_whole_day import Remote, cards
from workflow.directory import RoleGroup
from workflow.roles import Role

SPEED = 1200
START = datetime(2026, 11, 2, 14, 58, tzinfo=UTC)  # Monday 22:58 in Hong Kong
MORNING = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)  # Tuesday 07:00


async def test_a_night_complaint_reaches_the_cleaning_team_when_it_starts(tmp_path: Path) -> None:
    world = World()
    async with FakeTelegramServer(world) as server:
        db = tmp_path / "desk.sqlite3"
        await seed(db)
        admin = world.user(ADMIN_ID, "Ada Admin", language_code="en")
        for user_id, name, language in STAFF.values():
            world.user(user_id, name, language_code=language).send("/start")
        for name, (user_id, language, *_rest) in RESIDENTS.items():
            world.user(user_id, name.title(), language_code=language)
        groups = {}
        async with SqliteStore(db) as store, store.transaction() as tx:
            for role, (user_id, _name, _) in STAFF.items():
                chat = world.group(f"{role} group", [admin, world.users[user_id]])
                await tx.bind_group(RoleGroup(role=role, chat_id=chat.id, title=chat.title or ""))
                groups[role] = chat
        world.updates.clear()
        epoch = time.time()
        env = bot_environment(
            server,
            db,
            admin_ids=ADMIN_ID,
            sweep_seconds=0.2,
            chat_messages_per_second=1000,
            sim_start=START.isoformat().replace("+00:00", "Z"),
            sim_speed=SPEED,
            sim_epoch=epoch,
        )
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            remote = Remote(world)
            smith = world.users[RESIDENTS["smith"][0]]
            ref = await file_case(remote, smith, "🧹 Cleaning problem", "Rubbish on the stairs")
            receipt = last_text(smith)  # "tomorrow 07:00", or "07:00" once past midnight
            assert "starts at" in receipt, receipt
            assert "07:00" in receipt, receipt

            await world.wait_for(lambda: cards(groups[Role.CLEANING_LEAD], ref), timeout=60)
            seen_at = START + timedelta(seconds=(time.time() - epoch) * SPEED)
            assert MORNING <= seen_at < MORNING + timedelta(minutes=30), seen_at
            for role, chat in groups.items():
                if role not in (Role.CLEANING_LEAD, Role.FRONT_DESK):
                    assert not [m for m in chat.bot_messages() if ref in m.text], role
        finally:
            bot.stop()
