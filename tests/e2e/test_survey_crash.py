"""`python -m bot` killed with SIGKILL while a survey's invitations are going
out, and started again: the invitations continue where they stopped, reach
the sample and nobody else, and nobody gets the survey twice (the one copy
on its way at the kill, claimed and perhaps delivered, is recorded as unsure
and not sent again). A resident's answer given before the kill is kept, and
they carry on at the next question."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.storage import SqliteStore
from playground.fake_telegram import FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import ESTATE, BotProcess, bot_environment, seed_estate
from workflow.directory import Person
from workflow.roles import Role

RESIDENTS = 90
SAMPLE = 60
AUTHOR = 30
HEADING = "Residents' opinion survey"
TITLE = "Lobby and lifts"
ZONE = ZoneInfo("Asia/Hong_Kong")


def got(resident: FakeUser) -> int:
    """The invitations a resident got (one answered since shows its question now)."""
    return sum(
        1 for m in resident.private.bot_messages() if TITLE in m.text and "Thank you" not in m.text
    )


async def say(author: FakeUser, text: str, expect: str) -> int:
    mark = author.last_message_id()
    author.send(text)
    message = await author.wait_for_message(expect, after=mark, timeout=20)
    return message.message_id


async def press(user: FakeUser, label: str, after: int) -> int:
    message = await user.wait_for_button(label, after=after, timeout=20)
    await user.answer_to(user.press(message, label))
    return message.message_id


async def test_a_survey_half_sent_at_a_kill_continues_after_the_restart_and_nobody_gets_it_twice(
    tmp_path: Path,
) -> None:
    world = World()
    db = tmp_path / "desk.sqlite3"
    residents, _groups = await seed_estate(db, world, RESIDENTS, 80_000)
    author = world.user(AUTHOR, "Cindy Service", language_code="en")
    world.started.add(AUTHOR)
    async with SqliteStore(db) as store, store.transaction() as tx:
        await tx.save_person(
            Person(user_id=AUTHOR, name="Cindy", language="en", roles=[Role.CS_SUPERVISOR]),
            datetime.now(UTC),
        )
    closes = (datetime.now(UTC) + timedelta(days=3)).astimezone(ZONE)

    async with FakeTelegramServer(world) as server:
        # Ten messages a second overall, so the kill lands in the middle of the survey.
        env = bot_environment(
            server, db, estate_config=ESTATE, log_level="WARNING", messages_per_second=10
        )
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            author.send("/survey")
            await author.wait_for_message("Send its title", timeout=30)
            await say(author, "Lobby and lifts", "one per message")
            await say(author, "* How clean is the lobby?", "kept")
            last = await say(author, "~ Anything else?", "kept")
            await press(author, "Questions done", last - 1)
            last = await say(author, str(SAMPLE), "Anonymous")
            await press(author, "Anonymous", last - 1)
            last = await say(author, closes.strftime("%Y-%m-%d %H:%M"), f"{SAMPLE} of")
            await press(author, "Send", last - 1)
            await world.wait_for(
                lambda: sum(got(r) for r in residents) >= SAMPLE // 4,
                timeout=30,
                what="a quarter of the sample invited",
            )
            # One of those invited answers the first question before the kill.
            early = next(r for r in residents if got(r))
            (invite,) = [m for m in early.private.bot_messages() if HEADING in m.text]
            await early.answer_to(early.press(invite, "Start"))
            await world.wait_for(
                lambda: "Question 1 of 2" in str(world.chat(early.id).messages[invite.message_id]),
                timeout=20,
                what="the first question shown",
            )
            await early.answer_to(early.press(invite, "4"))
            await world.wait_for(
                lambda: "Question 2 of 2" in str(world.chat(early.id).messages[invite.message_id]),
                timeout=20,
                what="the second question shown",
            )
            bot.kill()
            before = sum(got(r) for r in residents)
            assert before < SAMPLE, "the kill came in the middle of the survey"
            bot.start()

            async def everyone_settled() -> bool:
                async with SqliteStore(db) as store, store.reading() as tx:
                    rows = await tx._all(
                        "SELECT count(*) FROM survey_sends WHERE outcome IN ('pending', 'sending')"
                    )
                return int(rows[0][0]) == 0

            for _ in range(300):
                if await everyone_settled():
                    break
                await asyncio.sleep(0.1)
            # The answer before the kill is kept: the free text comes next.
            mark = early.last_message_id()
            early.send("More light in the car park, please.")
            await early.wait_for_message("Thank you", after=mark, timeout=20)
        finally:
            bot.stop()

    async with SqliteStore(db) as store, store.reading() as tx:
        outcomes = Counter(
            {
                row[0]: int(row[1])
                for row in await tx._all(
                    "SELECT outcome, count(*) FROM survey_sends GROUP BY outcome"
                )
            }
        )
        invited = {int(row[0]) for row in await tx._all("SELECT user_id FROM survey_invites")}
        unsure = {
            int(row[0])
            for row in await tx._all("SELECT user_id FROM survey_sends WHERE outcome='unsure'")
        }
        answers = await tx.answers_of(1, early.id)
    counts = {r.id: got(r) for r in residents}
    assert len(invited) == SAMPLE
    assert all(counts[uid] == 0 for uid in counts if uid not in invited), "nobody outside it"
    assert max(counts.values()) == 1, "nobody twice"
    missing = {uid for uid in invited if counts[uid] == 0}
    assert missing <= unsure, "everyone in the sample but the copy on its way at the kill"
    assert len(unsure) <= 1
    assert outcomes["sent"] + outcomes["unsure"] == SAMPLE, outcomes
    assert answers == {0: 4, 1: "More light in the car park, please."}
