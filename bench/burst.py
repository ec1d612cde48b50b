"""Burst benchmark: residents filing cases as fast as the fake Telegram takes
them, against a bare python-telegram-bot echo bot on the same fake server.

    .venv/bin/python -m bench.burst                 # 400 residents x 5 updates = 2,000
    .venv/bin/python -m bench.burst --residents 100 --latency 0.05

Prints updates per second for both bots and their ratio, the p50/p95/p99
time from a resident's last answer (Confirm) to their confirmation, and how
many cases were stored (each exactly once), and appends them to
bench/RESULTS.md with the machine's description.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.estate import load_estate
from bot.fake_telegram import FakeTelegramServer, FakeUser, World
from bot.settings import Settings
from bot.storage import Person, SqliteStore

ROOT = Path(__file__).resolve().parent.parent
STEPS = 5  # menu, "my unit", description, Done, Confirm


async def echo_rate(updates: int, latency: float) -> float:
    world = World()
    world.faults.latency = latency
    async with FakeTelegramServer(world) as server:

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None
            await update.effective_message.reply_text(update.effective_message.text or "")

        app = (
            Application.builder()
            .token(world.token)
            .base_url(server.base_url)
            .concurrent_updates(16)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))
        users = [world.user(10_000 + i, f"u{i}", language_code="en") for i in range(100)]
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            started = time.perf_counter()
            for n in range(updates):
                users[n % len(users)].send(f"hello {n}")
            await world.wait_for(
                lambda: sum(len(u.private.bot_messages()) for u in users) >= updates,
                timeout=600,
                what="every echo",
            )
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
    return updates / elapsed


async def our_rate(residents: int, latency: float, per_second: float) -> dict[str, float]:
    world = World()
    world.faults.latency = latency
    estate = load_estate(ROOT / "estate.toml")
    units = [(b.id, u) for b in estate.buildings for u in b.unit_ids()]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.sqlite3"
        async with SqliteStore(db) as store, store.transaction() as tx:
            for i in range(residents):
                building, unit = units[i % len(units)]
                await tx.save_person(
                    Person(
                        user_id=20_000 + i,
                        name=f"R{i}",
                        language="en",
                        building=building,
                        unit=unit,
                        resident_status="approved",
                    ),
                    datetime.now(UTC),
                )
        async with FakeTelegramServer(world) as server:
            settings = Settings(
                _env_file=None,
                bot_token=world.token,  # type: ignore[call-arg]
                bot_api_url=server.base_url,
                bot_file_url=server.file_url,
                database_path=db,
                log_level="WARNING",
                messages_per_second=per_second,
            )
            app = build_application(settings, estate)
            people = [world.user(20_000 + i, f"R{i}", language_code="en") for i in range(residents)]
            await app.initialize()
            assert app.post_init is not None and app.updater is not None
            await app.post_init(app)
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await app.start()
            waits: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(*(_file(p, waits) for p in people))
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
            assert app.post_stop is not None and app.post_shutdown is not None
            await app.post_stop(app)
            await app.shutdown()
            await app.post_shutdown(app)
        async with SqliteStore(db) as store, store.transaction() as tx:
            rows = await tx._all("SELECT count(*), count(DISTINCT reporter_id) FROM cases")
    waits.sort()
    return {
        "rate": residents * STEPS / elapsed,
        "p50": statistics.quantiles(waits, n=100)[49] if len(waits) > 1 else waits[0],
        "p95": statistics.quantiles(waits, n=100)[94] if len(waits) > 1 else waits[0],
        "p99": statistics.quantiles(waits, n=100)[98] if len(waits) > 1 else waits[0],
        "stored": float(rows[0][0]),
        "distinct": float(rows[0][1]),
    }


async def _file(person: FakeUser, waits: list[float]) -> None:
    mark = person.last_message_id()
    person.send("🧹 Cleaning problem")
    where = await person.wait_for_button("My unit", after=mark, timeout=600)
    person.press(where, "My unit")
    prompt = await person.wait_for_message("Describe", after=where.message_id, timeout=600)
    person.send("Rubbish in the corridor")
    done = await person.wait_for_button("Done", after=prompt.message_id, timeout=600)
    person.press(done, "Done")
    summary = await person.wait_for_button("Confirm", after=done.message_id, timeout=600)
    person.press(summary, "Confirm")
    pressed = time.perf_counter()
    await person.wait_for_message("is recorded", after=summary.message_id, timeout=600)
    waits.append(time.perf_counter() - pressed)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per API call")
    parser.add_argument(
        "--per-second",
        type=float,
        default=30,
        help="the bot's overall send limit (Telegram's is about 30)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    ours = await our_rate(args.residents, args.latency, args.per_second)
    updates = args.residents * STEPS
    echo = await echo_rate(updates, args.latency)
    lines = [
        f"### Burst: {args.residents} residents x {STEPS} updates = {updates}, "
        f"latency {args.latency * 1000:.0f} ms, send limit {args.per_second:g}/s "
        f"({datetime.now(UTC):%Y-%m-%d}, {machine()})",
        "",
        f"- estate-desk: {ours['rate']:.1f} updates/s; echo bot: {echo:.1f} updates/s; "
        f"ratio {ours['rate'] / echo:.2f} (target >= 0.5)",
        f"- confirm -> confirmation: p50 {ours['p50']:.3f} s, p95 {ours['p95']:.3f} s, "
        f"p99 {ours['p99']:.3f} s (target p99 <= 1 s)",
        f"- cases stored: {ours['stored']:.0f} from {ours['distinct']:.0f} residents "
        f"(expected {args.residents} each once)",
        "",
    ]
    print("\n".join(lines))
    results = ROOT / "bench" / "RESULTS.md"
    if not results.exists():
        results.write_text(
            "# Benchmark results\n\nAppended by the scripts in `bench/`.\n\n", encoding="utf-8"
        )
    with results.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
