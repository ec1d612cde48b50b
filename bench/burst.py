"""Burst benchmark: residents filing cases as fast as the fake Telegram takes
them, against a bare python-telegram-bot echo bot on the same fake server.

    .venv/bin/python -m bench.burst            # 500 residents, 0 ms and 50 ms latency
    .venv/bin/python -m bench.burst --residents 100 --latency 0.05 --profile /tmp/p.txt

Both bots run in their own process (`python -m bot`, `python -m bench.echo_bot`),
as deployed; the fake server and the residents run in this one. Every resident
(registered beforehand) files a cleaning case through the whole conversation:
the menu, "My flat", a description, Done, Confirm, each sent as soon as the bot
has answered the previous one. The echo bot gets the same residents sending the
same number of messages, each after the previous echo. Both are held to the
same overall send limit (`--per-second`, default Telegram's 30 a second) by
python-telegram-bot's rate limiter, and at 30 a second or less the fake
enforces Telegram's limits strictly on both (429 past any of them); `--per-second
1000` lifts them for both (ours is then held to 1,000 a second in a chat too, as
the echo bot is held to none; staff groups stay at 20 a minute: the courier's
work, not the residents' replies).

Prints updates per second for both bots and their ratio, the p50/p95/p99 time
from a resident's last answer (Confirm) to their confirmation, and how many
cases were stored (each exactly once), and appends them to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from bench.common import (
    children_cpu,
    echo_bot,
    estate_desk,
    heading,
    own_cpu,
    percentiles,
    polling,
    record,
    runs_option,
    spread,
)
from bot.storage import SqliteStore
from playground.fake_telegram import FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import file_in_english, seed_estate

STEPS = 5  # the menu, "My flat", the description, Done, Confirm
MENU, TEXT = "🧹 Cleaning problem", "Rubbish in the corridor"
TIMEOUT = 900
# At Telegram's own send limit (or below) the fake enforces Telegram's limits
# strictly (playground/fake_telegram/limits.py), for both bots.
STRICT_AT = 30


async def echo_rate(
    residents: int, latency: float, concurrency: int, per_second: float
) -> dict[str, float]:
    world = World()
    world.faults.latency = latency
    if per_second <= STRICT_AT:
        world.strict_limits()
    users = [world.user(10_000 + i, f"u{i}", language_code="en") for i in range(residents)]
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegramServer(world) as server:
            process = echo_bot(server, Path(folder), concurrency, per_second)
            cpu = children_cpu()
            process.start()
            try:
                await polling(server, process)
                replies: list[float] = []
                started = time.perf_counter()
                await asyncio.gather(*(_chat(user, replies) for user in users))
                elapsed = time.perf_counter() - started
            finally:
                process.stop()
            cpu = children_cpu() - cpu
    return {
        "rate": residents * STEPS / elapsed,
        "cpu": cpu / (residents * STEPS),
        **{f"reply_{k}": v for k, v in percentiles(replies).items()},
    }


async def _chat(user: FakeUser, replies: list[float]) -> None:
    for step in range(STEPS):
        mark = user.last_message_id()
        sent = time.perf_counter()
        user.send(f"hello {step}")
        await user.wait_for_message(f"hello {step}", after=mark, timeout=TIMEOUT)
        replies.append(time.perf_counter() - sent)


async def our_rate(
    residents: int, latency: float, settings: dict[str, object], profile: Path | None
) -> dict[str, float]:
    world = World()
    world.faults.latency = latency
    if float(str(settings["messages_per_second"])) <= STRICT_AT:
        world.strict_limits()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "bench.sqlite3"
        people, _groups = await seed_estate(db, world, residents, 20_000)
        async with FakeTelegramServer(world) as server:
            process = estate_desk(server, db, folder, profile, **settings)
            cpu = children_cpu()
            process.start()
            try:
                await polling(server, process)
                waits: list[float] = []
                replies: list[float] = []
                started, fake_cpu = time.perf_counter(), own_cpu()
                waits += await asyncio.gather(
                    *(
                        file_in_english(p, MENU, TEXT, timeout=TIMEOUT, replies=replies)
                        for p in people
                    )
                )
                elapsed = time.perf_counter() - started
                fake_cpu = own_cpu() - fake_cpu
            finally:
                process.stop()
            cpu = children_cpu() - cpu
        async with SqliteStore(db) as store, store.transaction() as tx:
            rows = await tx._all("SELECT count(*), count(DISTINCT reporter_id) FROM cases")
    return {
        "rate": residents * STEPS / elapsed,
        "cpu": cpu / (residents * STEPS),
        "fake_cpu": fake_cpu / elapsed,
        "calls": len(world.calls) / (residents * STEPS),
        **percentiles(waits),
        **{f"reply_{k}": v for k, v in percentiles(replies).items()},
        "stored": float(rows[0][0]),
        "distinct": float(rows[0][1]),
    }


def title(args: argparse.Namespace, latency: float) -> str:
    return (
        f"Burst: {args.residents} residents x {STEPS} updates = {args.residents * STEPS}, "
        f"latency {latency * 1000:.0f} ms, send limit {args.per_second:g}/s"
        + (f", {args.concurrency} concurrent updates" if args.concurrency else "")
    )


async def run(args: argparse.Namespace, latency: float) -> dict[str, float]:
    """One run, ours then the echo bot: its figures appended; returns them by name."""
    settings: dict[str, object] = {"messages_per_second": args.per_second}
    if args.per_second > STRICT_AT:
        # Lifted means lifted: PTB's limiter holds the echo bot to nothing in a
        # private chat, so ours is not held to a message a second there either.
        settings["chat_messages_per_second"] = args.per_second
    if args.concurrency:
        settings["concurrent_updates"] = args.concurrency
    ours = await our_rate(args.residents, latency, settings, args.profile)
    echo = await echo_rate(args.residents, latency, args.echo_concurrency, args.per_second)
    record(
        [
            heading(title(args, latency)),
            "",
            f"- estate-desk: {ours['rate']:.1f} updates/s; echo bot "
            f"({args.echo_concurrency} concurrent updates, same send limit): "
            f"{echo['rate']:.1f} updates/s; "
            f"ratio {ours['rate'] / echo['rate']:.2f} (target >= 0.9)",
            f"- CPU per update (whole process, start-up included): estate-desk "
            f"{ours['cpu'] * 1000:.1f} ms, echo bot {echo['cpu'] * 1000:.1f} ms",
            f"- reply to any update: estate-desk p50 {ours['reply_p50']:.3f} s, "
            f"p99 {ours['reply_p99']:.3f} s; echo bot p50 {echo['reply_p50']:.3f} s, "
            f"p99 {echo['reply_p99']:.3f} s",
            f"- Bot API calls per update: {ours['calls']:.2f}; the fake server and residents "
            f"kept {ours['fake_cpu']:.0%} of a core busy",
            f"- Confirm -> confirmation: p50 {ours['p50']:.3f} s, p95 {ours['p95']:.3f} s, "
            f"p99 {ours['p99']:.3f} s (target p99 <= 1 s)",
            f"- cases stored: {ours['stored']:.0f} from {ours['distinct']:.0f} residents "
            f"(expected {args.residents}, each once)",
        ]
    )
    return {
        "estate-desk, updates/s": ours["rate"],
        "echo bot, updates/s": echo["rate"],
        "ratio (target >= 0.9)": ours["rate"] / echo["rate"],
        "CPU per update, estate-desk, ms": ours["cpu"] * 1000,
        "CPU per update, echo bot, ms": echo["cpu"] * 1000,
        "Confirm -> confirmation p99, s": ours["p99"],
        "cases stored": ours["stored"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument(
        "--latency",
        type=float,
        action="append",
        help="seconds the fake adds to every call (repeatable; default: 0 and 0.05)",
    )
    parser.add_argument(
        "--per-second",
        type=float,
        default=30,
        help="both bots' overall send limit (our MESSAGES_PER_SECOND, PTB's AIORateLimiter "
        "for the echo bot; Telegram's is about 30)",
    )
    parser.add_argument("--concurrency", type=int, default=0, help="CONCURRENT_UPDATES for ours")
    parser.add_argument("--echo-concurrency", type=int, default=16)
    parser.add_argument("--profile", type=Path, help="write pyinstrument's profile of our bot")
    runs_option(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    for latency in args.latency or [0.0, 0.05]:
        runs = [await run(args, latency) for _ in range(args.runs)]
        if len(runs) > 1:
            record(spread(title(args, latency), runs))


if __name__ == "__main__":
    asyncio.run(main())
