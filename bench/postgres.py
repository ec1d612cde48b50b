"""PostgreSQL against SQLite, and a standby's take-over.

    .venv/bin/python -m bench.postgres                      # 300 residents, the server on 5432
    .venv/bin/python -m bench.postgres --residents 500 --server postgresql://u@host:5432

One estate, one `python -m bot` process, the same burst as bench/burst.py
(every resident files a cleaning case through the whole conversation, each
answer sent as soon as the bot has answered the previous one; Telegram's send
limits lifted, so the store is what is measured), run twice in the same run:
on a SQLite file, then on a throw-away PostgreSQL database. Prints updates
per second and the p50/p95/p99 time from Confirm to the confirmation for
both, and how many cases were stored (each exactly once).

Then the take-over: two instances on one PostgreSQL database, the leader
SIGKILLed (`--takeovers` times, a fresh pair each time); the time from the
kill to the standby's first getUpdates. Appends the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.common import estate_desk, heading, percentiles, polling, record
from bot.storage import store_at
from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import file_in_english, seed_estate

STEPS = 5
MENU, TEXT = "🧹 Cleaning problem", "Rubbish in the corridor"
TIMEOUT = 900


def database_at(server: str, name: str) -> str:
    """The URL of database `name` on the server `server` names."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


async def admin(server: str, sql: str) -> None:
    """Run `sql` (CREATE or DROP DATABASE) on the server's postgres database."""
    db = await asyncpg.connect(database_at(server, "postgres"), timeout=10)
    try:
        await db.execute(sql)
    finally:
        await db.close()


async def burst(
    residents: int, database: str | Path, folder: Path, per_second: float
) -> dict[str, float]:
    world = World()
    people, _groups = await seed_estate(database, world, residents, 20_000)
    async with FakeTelegramServer(world) as server:
        process = estate_desk(
            server,
            database,
            folder,
            messages_per_second=per_second,
            group_messages_per_minute=10_000,
            chat_messages_per_second=10_000,
        )
        process.start()
        try:
            await polling(server, process)
            started = time.perf_counter()
            waits = await asyncio.gather(
                *(file_in_english(p, MENU, TEXT, timeout=TIMEOUT) for p in people)
            )
            elapsed = time.perf_counter() - started
        finally:
            process.stop()
    async with store_at(database) as store, store.reading() as tx:
        rows = await tx._all("SELECT count(*), count(DISTINCT reporter_id) FROM cases")
    return {
        "rate": residents * STEPS / elapsed,
        **percentiles(waits),
        "stored": float(rows[0][0]),
        "distinct": float(rows[0][1]),
    }


async def takeover(database: str, folder: Path) -> float:
    world = World()
    await seed_estate(database, world, 10, 30_000)
    async with FakeTelegramServer(world) as server:
        leader = estate_desk(server, database, folder)
        standby = estate_desk(server, database, folder)
        leader.start()
        try:
            await polling(server, leader)
            standby.start()
            await asyncio.sleep(3)  # the standby is up and waiting for the lease
            seen = len(world.calls)
            leader.kill()
            killed = time.perf_counter()
            while "getUpdates" not in world.calls[seen:]:
                if time.perf_counter() - killed > 60:
                    raise TimeoutError(f"the standby never took over:\n{standby.log()[-3000:]}")
                await asyncio.sleep(0.01)
            return time.perf_counter() - killed
        finally:
            leader.stop()
            standby.stop()


async def run(args: argparse.Namespace) -> None:
    stamp = f"{int(time.time())}"
    names: list[str] = []

    async def fresh() -> str:
        name = f"estate_desk_bench_{stamp}_{len(names)}"
        names.append(name)
        await admin(args.server, f'CREATE DATABASE "{name}"')
        return database_at(args.server, name)

    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            on_sqlite = await burst(
                args.residents, folder / "bench.sqlite3", folder, args.per_second
            )
            on_postgres = await burst(args.residents, await fresh(), folder, args.per_second)
            takeovers = [await takeover(await fresh(), folder) for _ in range(args.takeovers)]
    finally:
        for database in names:
            await admin(args.server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def line(engine: str, f: dict[str, float]) -> str:
        return (
            f"- {engine}: {f['rate']:.1f} updates/s; confirmation p50 {f['p50']:.2f} s, "
            f"p95 {f['p95']:.2f} s, p99 {f['p99']:.2f} s; cases stored {f['stored']:.0f} "
            f"from {f['distinct']:.0f} residents (expected {args.residents}, each once)"
        )

    ratio = on_postgres["rate"] / on_sqlite["rate"]
    record(
        [
            heading(
                f"PostgreSQL and SQLite: {args.residents} residents x {STEPS} updates, one "
                f"estate, the same run, send limit {args.per_second:g}/s"
            ),
            "",
            line("SQLite", on_sqlite),
            line("PostgreSQL", on_postgres),
            f"- PostgreSQL / SQLite updates per second: {ratio:.2f}",
            "- a standby taking over after the leader is SIGKILLed (to its first getUpdates): "
            + ", ".join(f"{t:.2f} s" for t in takeovers),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--takeovers", type=int, default=3)
    parser.add_argument(
        "--per-second",
        type=float,
        default=1000,
        help="the bot's overall send limit (default 1000: the store is measured, not "
        "Telegram's 30 a second; the fake's group and chat limits are lifted too)",
    )
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="a PostgreSQL server (no database: one is made and dropped for each part)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
