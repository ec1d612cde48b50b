"""Flood-limits benchmark: a water outage brings 500 urgent repair complaints
within a minute, with Telegram's documented send limits enforced strictly by
the fake (each a sliding window: 1 message a second in every chat, groups
included, 20 a minute in a group, 30 a second overall, edits counted; past
them, 429 with retry_after).

    .venv/bin/python -m bench.flood
    .venv/bin/python -m bench.flood --residents 100 --within 20

The bot runs as deployed (`python -m bot`, its own process, default limits).
Residents start at evenly spread moments within `--within` seconds and take
`--think` seconds to answer each question, like people do.

Figures: 429 answers the bot received (overall and after the first minute),
edits refused as "message is not modified", residents who got their
confirmation more than once, the time from the first complaint until
every resident has their confirmation, the most messages any staff group got
in one minute (target <= 20), and cases stored (each once).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import tempfile
import time
from pathlib import Path

from bench.common import (
    estate_desk,
    heading,
    percentiles,
    polling,
    record,
    runs_option,
    spread,
)
from bot.storage import SqliteStore
from playground.fake_telegram import Chat, FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import file_in_english, seed_estate

FIRST = 40_000
REF = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")
COUNTED = ("send", "edit", "copy", "forward")  # what Telegram's send limits count
OVERALL = 30  # Telegram's messages a second, overall
ANSWERS = 5  # after the menu: "My flat", "Urgent", the text, Done, Confirm
TIMEOUT = 1800


async def complain(
    resident: FakeUser, delay: float, think: float, rng: random.Random, waits: list[float]
) -> float:
    """One urgent repair through the whole conversation; returns when it was confirmed."""

    async def pause() -> None:
        await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    await asyncio.sleep(delay)
    waits.append(
        await file_in_english(
            resident,
            "🔧 Report a repair",
            "No water in the kitchen or the bathroom since this morning",
            urgent=True,
            pause=pause,
            timeout=TIMEOUT,
        )
    )
    return time.perf_counter()


def busiest_minute(chat: Chat) -> int:
    """The most messages the bot posted in the chat within any 60 seconds."""
    dates = sorted(m["date"] for m in chat.messages.values() if m["from"].get("is_bot"))
    most, first = 0, 0
    for last, date in enumerate(dates):
        while date - dates[first] >= 60:
            first += 1
        most = max(most, last - first + 1)
    return most


def title(args: argparse.Namespace) -> str:
    return (
        f"Flood limits: {args.residents} urgent repairs within {args.within:g} s, "
        f"~{args.think:g} s per answer, Telegram's limits enforced"
    )


async def measure(args: argparse.Namespace) -> dict[str, float]:
    """One run: its figures appended to the results; returns them by name."""
    world = World()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "flood.sqlite3"
        residents, groups = await seed_estate(db, world, args.residents, FIRST)
        world.strict_limits()
        async with FakeTelegramServer(world) as server:
            process = estate_desk(server, db, folder)
            process.start()
            try:
                await polling(server, process)
                await asyncio.sleep(1)  # let it settle in: its start-up messages are not the burst
                before = {chat.id: len(chat.messages) for chat in groups}
                calls_before = len(world.calls)
                step = args.within / max(len(residents) - 1, 1)
                waits: list[float] = []
                started = time.perf_counter()
                confirmed = await asyncio.gather(
                    *(
                        complain(r, i * step, args.think, rng, waits)
                        for i, r in enumerate(residents)
                    )
                )
                everyone = max(confirmed) - started
                counted = sum(
                    1 for method in world.calls[calls_before:] if method.startswith(COUNTED)
                )
            finally:
                process.stop()
        async with SqliteStore(db) as store, store.reading() as tx:
            rows = await tx._all("SELECT count(*), count(DISTINCT reporter_id) FROM cases")
    refused = world.flood.refused
    late = world.flood.refused_after(60)
    doubled = sum(
        1 for r in residents if sum(1 for m in r.private.bot_messages() if REF.search(m.text)) > 1
    )
    by_kind: dict[str, int] = {}
    for key in world.flood.refused_keys:
        kind = "overall" if key == "*" else ("group" if int(str(key)) < 0 else "private")
        by_kind[kind] = by_kind.get(kind, 0) + 1
    per_group = {chat.title: busiest_minute(chat) for chat in groups}
    posted = {chat.title: len(chat.messages) - before[chat.id] for chat in groups}
    p = percentiles(waits)
    floor = args.within + ANSWERS * args.think  # the last to start, answering at their pace
    bound = max(counted / OVERALL, floor)
    record(
        [
            heading(title(args)),
            "",
            f"- 429 answers received: {refused} {by_kind or ''}, {late} after the first minute "
            "(target 0)",
            f'- edits refused "message is not modified": {world.not_modified} (target 0); '
            f"residents confirmed more than once: {doubled} (target 0)",
            f"- every resident confirmed {everyone:.1f} s after the first complaint; "
            f"Confirm -> confirmation p50 {p['p50']:.2f} s, p99 {p['p99']:.2f} s",
            f"- lower bound: {counted} messages and edits sent by then / {OVERALL} a second = "
            f"{counted / OVERALL:.1f} s (or the last resident's start and answers, "
            f"{floor:.0f} s); measured / bound = {everyone / bound:.2f} "
            "(target <= 1.2)",
            f"- most messages in one minute in a staff group: {max(per_group.values())} "
            f"(target <= 20); posted per group: "
            + ", ".join(f"{t} {n}" for t, n in posted.items() if n),
            f"- cases stored: {rows[0][0]} from {rows[0][1]} residents "
            f"(expected {args.residents}, each once)",
        ]
    )
    return {
        "429 answers": float(refused),
        "429 answers after the first minute": float(late),
        "every resident confirmed, s after the first complaint": everyone,
        "lower bound, s": bound,
        "measured / bound (target <= 1.2)": everyone / bound,
        "messages and edits sent a second, overall": counted / everyone,
        "Confirm -> confirmation p99, s": p["p99"],
        "most messages in one minute in a staff group (target <= 20)": float(
            max(per_group.values())
        ),
        "cases stored": float(rows[0][0]),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--within", type=float, default=60, help="seconds")
    parser.add_argument("--think", type=float, default=2, help="seconds per answer, on average")
    runs_option(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    runs = [await measure(args) for _ in range(args.runs)]
    if len(runs) > 1:
        record(spread(title(args), runs))


if __name__ == "__main__":
    asyncio.run(main())
