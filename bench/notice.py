"""Notice benchmark: the cs supervisor sends a notice to every resident, with
Telegram's documented send limits enforced strictly by the fake (30 a second
overall; past it, 429 with retry_after).

    .venv/bin/python -m bench.notice
    .venv/bin/python -m bench.notice --residents 300

The bot runs as deployed (`python -m bot`, its own process, default limits).
Figures: seconds from pressing Send until every resident has the notice
(target about residents / 30 plus a small overhead), 429 answers (target 0),
residents who got it more than once (target 0), and the progress line's edits.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import estate_desk, heading, polling, record
from bot.storage import SqliteStore
from playground.fake_telegram import FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import seed_estate
from workflow.directory import Person
from workflow.roles import Role

FIRST = 80_000
AUTHOR = 30
HEADING = "Notice from the management office"
TIMEOUT = 1800


def got(resident: FakeUser) -> int:
    return sum(1 for m in resident.private.bot_messages() if HEADING in m.text)


async def press(author: FakeUser, label: str, after: int) -> int:
    message = await author.wait_for_button(label, after=after, timeout=60)
    await author.answer_to(author.press(message, label))
    return message.message_id


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=2000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    world = World()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "notice.sqlite3"
        residents, _groups = await seed_estate(db, world, args.residents, FIRST)
        author = world.user(AUTHOR, "Cindy Service", language_code="en")
        world.started.add(AUTHOR)
        async with SqliteStore(db) as store, store.transaction() as tx:
            await tx.save_person(
                Person(user_id=AUTHOR, name="Cindy", language="en", roles=[Role.CS_SUPERVISOR]),
                datetime.now(UTC),
            )
        world.strict_limits()
        async with FakeTelegramServer(world) as server:
            process = estate_desk(server, db, folder)
            process.start()
            try:
                await polling(server, process)
                author.send("/notice")
                await author.wait_for_message("Write the notice", timeout=60)
                mark = author.last_message_id()
                author.send("The lifts of every block are serviced on Sunday from 09:00.")
                last = await press(author, "Choose who gets it", mark)
                last = await press(author, "All residents", last)
                last = await press(author, "Send now", last)
                summary = await author.wait_for_button("📢 Send", after=last, timeout=60)
                started = time.perf_counter()
                await author.answer_to(author.press(summary, "📢 Send"))
                await world.wait_for(
                    lambda: all(got(r) for r in residents), TIMEOUT, "every resident told"
                )
                everyone = time.perf_counter() - started
                await world.wait_for(
                    lambda: any("Finished" in m.text for m in author.private.bot_messages()),
                    60,
                    "the progress line finished",
                )
            finally:
                process.stop()
    doubled = sum(1 for r in residents if got(r) > 1)
    ideal = args.residents / 30
    record(
        [
            heading(f"Notice to {args.residents} residents, Telegram's limits enforced"),
            "",
            f"- every resident told {everyone:.1f} s after Send "
            f"({args.residents} / 30 = {ideal:.1f} s; overhead {everyone - ideal:+.1f} s)",
            f"- 429 answers received: {world.flood.refused} (target 0); "
            f"residents told more than once: {doubled} (target 0)",
        ]
    )


if __name__ == "__main__":
    asyncio.run(main())
