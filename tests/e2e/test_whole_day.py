"""A day in the estate against the real entry point: `python -m bot` in its own
process, pointed at the fake Telegram, with time running 300 times faster
(a minute every 0.2 s). Residents in three languages file cases, staff work
them, one case is left to climb to the manager, and the bot is killed with
SIGKILL in the middle of an escalation and started again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import SqliteStore
from playground.fake_telegram import Chat, FakeTelegramServer, FakeUser, Shown, World
from playground.fake_telegram.process import BotProcess, bot_environment
from tests.e2e.harness import ADMIN_ID, RESIDENTS, STAFF, seed
from tests.e2e.steps import REF, file_case, last_text, tap
from workflow.directory import RoleGroup
from workflow.roles import Role

SPEED = 300  # one simulated minute every 0.2 s


class Remote:
    """Drives a bot running in another process: all we can watch is Telegram."""

    def __init__(self, world: World) -> None:
        self.world = world

    def _count(self) -> int:
        return sum(len(c.messages) + len(c.edited) for c in self.world.chats.values())

    async def settle(self, quiet: float = 0.6) -> None:
        last, since = self._count(), time.monotonic()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            now = self._count()
            if now != last or self.world.updates:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
        raise TimeoutError("the bot did not go quiet")

    async def press(self, user: FakeUser, message: Shown, label: str) -> str | None:
        answer = await user.answer_to(user.press(message, label), timeout=15)
        await self.settle()
        return answer.text


@pytest.fixture
async def day(tmp_path: Path) -> AsyncIterator[tuple[World, BotProcess, dict[Role, Chat]]]:
    world = World()
    async with FakeTelegramServer(world) as server:
        db = tmp_path / "desk.sqlite3"
        await seed(db)
        admin = world.user(ADMIN_ID, "Ada Admin", language_code="en")
        for user_id, name, language in STAFF.values():
            world.user(user_id, name, language_code=language).send("/start")
        for name, (user_id, language, *_rest) in RESIDENTS.items():
            world.user(user_id, name.title(), language_code=language)
        groups: dict[Role, Chat] = {}
        async with SqliteStore(db) as store, store.transaction() as tx:
            for role, (user_id, _name, _) in STAFF.items():
                if role is Role.GUARD:
                    continue
                chat = world.group(f"{role} group", [admin, world.users[user_id]])
                await tx.bind_group(RoleGroup(role=role, chat_id=chat.id, title=chat.title or ""))
                groups[role] = chat
        world.updates.clear()
        env = bot_environment(
            server,
            db,
            admin_ids=ADMIN_ID,
            sweep_seconds=0.2,
            # A day in minutes, no Telegram limits enforced by the fake: not about pacing
            # (test_delivery.py is), so a chat's one-a-second does not stretch it.
            chat_messages_per_second=1000,
            sim_start="2026-11-02T01:00:00Z",
            sim_speed=SPEED,
            sim_epoch=datetime.now(UTC).timestamp(),
        )
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            yield world, bot, groups
        finally:
            bot.stop()


def cards(chat: Chat, ref: str) -> list[Shown]:
    return [m for m in chat.bot_messages() if ref in m.text and "📍" in m.text]


async def test_a_whole_day_with_a_crash_in_the_middle(
    day: tuple[World, BotProcess, dict[Role, Chat]],
) -> None:
    world, bot, groups = day
    remote = Remote(world)
    chan, wang, smith = (world.users[RESIDENTS[n][0]] for n in ("chan", "wang", "smith"))
    lead = world.users[STAFF[Role.REPAIR_LEAD][0]]

    # Morning: three residents, three languages.
    repair = await file_case(remote, chan, "🔧 報修", "廚房水喉漏水", urgency="🕒")
    assert "維修組長" in last_text(chan)
    cleaning = await file_case(remote, wang, "🧹 保洁问题", "走廊很脏")
    assert "保洁班长" in last_text(wang)
    security = await file_case(
        remote,
        smith,
        "🛡 Complaint about security",
        "Guard was rude at the gate",
    )
    assert "security captain" in last_text(smith)

    # The repair lead takes the leak and fixes it; the resident rates it.
    card = (await world.wait_for(lambda: cards(groups[Role.REPAIR_LEAD], repair)))[-1]
    await remote.press(lead, card, "接手")
    card = cards(groups[Role.REPAIR_LEAD], repair)[-1]
    await remote.press(lead, card, "已到場")
    card = cards(groups[Role.REPAIR_LEAD], repair)[-1]
    await remote.press(lead, card, "已處理")
    prompt = groups[Role.REPAIR_LEAD].bot_messages()[-1]
    lead.send("已換喉", chat=groups[Role.REPAIR_LEAD], reply_to=prompt)
    await remote.settle()
    await tap(remote, chan, "已修好")
    await tap(remote, chan, "★★★★")
    assert "評分" in last_text(chan) or "意見" in last_text(chan)

    # Smith complains again about the guard: straight to the cs supervisor.
    mark = smith.last_message_id()
    smith.send("📋 My cases")
    await tap(remote, smith, security, after=mark)
    await tap(remote, smith, "Complain again", after=mark)
    smith.send("He shouted at my mother")
    await remote.settle()
    assert await world.wait_for(lambda: cards(groups[Role.CS_SUPERVISOR], security))

    # Nobody takes the cleaning case. Kill the bot as it is about to climb.
    await world.wait_for(lambda: cards(groups[Role.CLEANING_SUPERVISOR], cleaning), timeout=30)
    bot.kill()
    await asyncio.sleep(20 * 60 / SPEED)  # 20 simulated minutes with no bot at all
    bot.start()
    await world.wait_for(lambda: cards(groups[Role.CS_SUPERVISOR], cleaning), timeout=30)
    await world.wait_for(lambda: cards(groups[Role.MANAGER], cleaning), timeout=30)
    await remote.settle()

    # Afternoon, after the restart: the rest of the estate's work.
    management = await file_case(
        remote,
        smith,
        "🏢 Complaint about management",
        "Notices are only in Chinese",
        kind="office itself",  # the team complained about: the office
    )
    assert await world.wait_for(lambda: cards(groups[Role.CS_SUPERVISOR], management))

    gus = world.users[STAFF[Role.GUARD][0]]
    gus.send("🟢 開始當值")
    await remote.settle()
    help_ref = await file_case(
        remote,
        wang,
        "🤝 请保安协助",
        "帮忙搬两箱书",
        where=None,
        kind="协助搬运",
    )
    await tap(remote, gus, "我來處理")
    await tap(remote, gus, "已處理")
    await tap(remote, wang, "★★★★★")
    assert any(help_ref in m.text for m in wang.private.bot_messages())

    mark = gus.last_message_id()
    gus.send("📡 報告現場情況")
    await tap(remote, gus, "B座", after=mark)
    gus.send("停車場有油漬")
    await remote.settle()
    await tap(remote, gus, "完成", after=mark)
    report = REF.search(last_text(gus))
    assert report
    assert report.group(0).startswith("G")
    desk = world.users[STAFF[Role.FRONT_DESK][0]]
    desk_group = groups[Role.FRONT_DESK]
    card = (await world.wait_for(lambda: cards(desk_group, report.group(0))))[-1]
    await remote.press(desk, card, "分類為個案")  # the menu opens in the desk's private chat
    await remote.press(desk, desk.private.bot_messages()[-1], "清潔")
    await remote.press(desk, desk.private.bot_messages()[-1], "一般")
    assert await world.wait_for(lambda: cards(groups[Role.CLEANING_LEAD], report.group(0)))

    assert len(cards(groups[Role.CLEANING_SUPERVISOR], cleaning)) == 1
    assert len(cards(groups[Role.CS_SUPERVISOR], cleaning)) == 1, "escalated once, not twice"
    moved = [m.text for m in wang.private.bot_messages() if "上报" in m.text]
    assert moved, "Wang heard, in Simplified Chinese, that the case moved up"
    assert REF.search(last_text(chan))
