"""The bot process killed with SIGKILL in the middle of a burst and started
again: every case a resident was told about exists exactly once, everyone
stored is told, every case has its filing in the event log and its deadlines
indexed (so they fire), and those caught half-way can simply file again."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

from bot.storage import SqliteStore
from playground.fake_telegram import FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import (
    ESTATE,
    BotProcess,
    bot_environment,
    file_in_english,
    seed_estate,
)
from tests.e2e.steps import REF

RESIDENTS = 60
STEP = 10.0  # seconds a resident waits for the bot before deciding it is gone


async def file_cleaning(resident: FakeUser, think: float) -> bool:
    """The whole conversation; False if the bot stopped answering on the way."""
    try:
        await file_in_english(
            resident,
            "🧹 Cleaning problem",
            f"Rubbish outside {resident.first_name}'s door",
            pause=lambda: asyncio.sleep(think),
            timeout=STEP,
        )
    except TimeoutError:
        return False
    return True


def told(resident: FakeUser) -> Counter[str]:
    refs: Counter[str] = Counter()
    for message in resident.private.bot_messages():
        if "is recorded" in message.text and (match := REF.search(message.text)):
            refs[match.group(0)] += 1
    return refs


async def test_sigkill_in_the_middle_of_a_burst_loses_and_doubles_no_case(tmp_path: Path) -> None:
    world = World()
    db = tmp_path / "desk.sqlite3"
    residents, _groups = await seed_estate(db, world, RESIDENTS, 60_000)
    async with FakeTelegramServer(world) as server:
        env = bot_environment(server, db, estate_config=ESTATE, log_level="WARNING")
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            burst = [
                asyncio.create_task(file_cleaning(r, think=0.05 * (i % 10)))
                for i, r in enumerate(residents)
            ]
            await world.wait_for(
                lambda: sum(1 for r in residents if told(r)) >= RESIDENTS // 4,
                timeout=60,
                what="a quarter of the residents confirmed",
            )
            bot.kill()
            finished = await asyncio.gather(*burst)
            assert not all(finished), "the kill came in the middle of the burst"
            calls = len(world.calls)
            bot.start()

            # Whatever was stored before the kill is confirmed after the restart
            # (the outbox survived); whoever was caught half-way files again.
            await world.wait_for(lambda: "getUpdates" in world.calls[calls:], timeout=30)
            async with SqliteStore(db) as store:
                for _ in range(900):  # the residents' notices left in the outbox go out
                    async with store.reading() as tx:
                        waiting = await tx._all(
                            "SELECT id FROM outbox WHERE done_at IS NULL "
                            "AND json_extract(body, '$.user_id') IS NOT NULL"
                        )
                    if not waiting:
                        break
                    await asyncio.sleep(0.1)
            again = [r for r in residents if not told(r)]
            for resident in again:
                resident.send("/cancel")
            results = await asyncio.gather(*(file_cleaning(r, think=0) for r in again))
            assert all(results), "after the restart, everyone can file"
            await asyncio.sleep(1)
        finally:
            bot.stop()

    async with SqliteStore(db) as store, store.reading() as tx:
        cases = await tx._all("SELECT id, ref, reporter_id, body FROM cases")
        filed = {row[0] for row in await tx._all("SELECT case_id FROM events WHERE kind='filed'")}
        indexed = Counter(row[0] for row in await tx._all("SELECT case_id FROM deadlines"))
    stored = {row[1]: row[2] for row in cases}
    everyone_told = {ref: r.id for r in residents for ref in told(r)}
    assert everyone_told.keys() == stored.keys(), "told about exactly the stored cases"
    assert everyone_told == stored, "each told about their own case"
    assert Counter(stored.values()) == Counter({r.id: 1 for r in residents}), "one case each"
    for case_id, _ref, _reporter, body in cases:
        assert case_id in filed, "every filing is in the event log"
        assert indexed[case_id] == len(json.loads(body)["deadlines"]), "every deadline indexed"
