"""Timers benchmark: thousands of deadlines falling due, then a restart with a
large database.

    .venv/bin/python -m bench.timers                         # 10,000 over 10 minutes
    .venv/bin/python -m bench.timers --cases 2000 --spread 60 --history 20000

1. `--cases` open cases whose acknowledge deadline falls due spread evenly
   over `--spread` seconds (starting 30 s after the bot starts), nobody
   acknowledging: the bot (`python -m bot`, its own process) must escalate each
   once. Lateness is read from the event log (when each escalation was stored,
   against its deadline) and from the outbox (when its notices reached Telegram
   or a digest). Figures: p50 / p99 / max; none missed, none doubled.
2. The bot is stopped, the database grown to `--history` cases in all, and the
   bot started again: the time from starting the process until it answers a
   resident's message, and its memory (RSS) then.

The residents' quiet hours are moved out of the way (`common.daytime_estate`),
so that their notices go out, and "residents told" means the same, at any hour.

Cases are written straight into the store (the workflow core's `file_case`,
one transaction for all), since filing 100,000 through Telegram is not what
is being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import daytime_estate, estate_desk, heading, percentiles, polling, record
from bot.estate import load_estate
from bot.storage import SqliteStore, parse_utc, utc_text
from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import ESTATE, BotProcess, seed_estate
from workflow import commands as cmd
from workflow import decisions
from workflow.model import Actor, Category, DeadlineKind, Location, Status
from workflow.roles import Role

RESIDENTS = 500
FIRST_RESIDENT = 30_000
LEAD = 30.0  # seconds between starting the bot and the first deadline


async def add_cases(
    db: Path, count: int, due: list[datetime] | None, closed_before: datetime
) -> dict[int, datetime]:
    """`count` cases in one transaction. With `due`, open cleaning cases whose
    acknowledge deadline falls at those times (the 80 % warning already sent);
    without, closed cases from the past. Returns case id -> deadline."""
    estate = load_estate(ESTATE)
    policy = estate.policy()
    deadlines: dict[int, datetime] = {}
    async with SqliteStore(db) as store, store.transaction() as tx:
        for n in range(count):
            reporter = FIRST_RESIDENT + n % RESIDENTS
            command = cmd.FileCase(
                actor=Actor(reporter, frozenset({Role.RESIDENT})),
                category=Category.CLEANING,
                description=f"Rubbish on the stairs ({n})",
                location=Location(building="A", area="stairs"),
                reporter_unit=None,  # no repeat-complaint matching: every case stands alone
            )
            if due is not None:
                filed_at = due[n] - policy.deadlines.acknowledge[command.severity]
            else:
                filed_at = closed_before - timedelta(minutes=n)
            year = filed_at.astimezone(estate.zone).year
            decision = decisions.file_case(
                command,
                case_id=await tx.new_case_id(),
                ref=await tx.next_reference("C", year),
                now=filed_at,
                policy=policy,
            )
            case = decision.case
            if due is None:
                case = dataclasses.replace(case, status=Status.CLOSED, deadlines={})
            else:
                ack = case.deadlines[DeadlineKind.ACKNOWLEDGE]
                case.deadlines[DeadlineKind.ACKNOWLEDGE] = dataclasses.replace(ack, warned=True)
                deadlines[case.id] = ack.due_at
            await tx.add(case)
            await tx.append(decision.events)
        return deadlines


async def escalations(db: Path) -> dict[int, list[datetime]]:
    async with SqliteStore(db) as store, store.reading() as tx:
        rows = await tx._all("SELECT case_id, at FROM events WHERE kind = 'escalated'")
    found: dict[int, list[datetime]] = {}
    for case_id, at in rows:
        found.setdefault(int(case_id), []).append(parse_utc(at))
    return found


async def deliveries(db: Path, since: datetime) -> dict[int, datetime]:
    """When the resident's notice of each case's escalation left the outbox."""
    async with SqliteStore(db) as store, store.reading() as tx:
        rows = await tx._all(
            "SELECT case_id, max(done_at), count(*) - count(done_at) FROM outbox "
            "WHERE created_at >= ? AND json_extract(body, '$.user_id') IS NOT NULL "
            "GROUP BY case_id",
            (utc_text(since),),
        )
    return {int(r[0]): parse_utc(r[1]) for r in rows if r[1] is not None and r[2] == 0}


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak, in MB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=600, help="seconds")
    parser.add_argument("--history", type=int, default=100_000, help="cases at the restart")
    parser.add_argument("--profile", type=Path, help="write pyinstrument's profile of the bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    world = World()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "timers.sqlite3"
        await seed_estate(db, world, RESIDENTS + 1, FIRST_RESIDENT)
        async with FakeTelegramServer(world) as server:
            # Part 1: deadlines falling due.
            start = datetime.now(UTC) + timedelta(seconds=LEAD)
            step = args.spread / max(args.cases - 1, 1)
            due = [start + timedelta(seconds=i * step) for i in range(args.cases)]
            made = time.perf_counter()
            deadlines = await add_cases(db, args.cases, due, start)
            made = time.perf_counter() - made
            # As in the day, whatever the hour: the residents' notices are not held.
            estate = daytime_estate(folder)
            process = estate_desk(server, db, folder, args.profile, estate_config=estate)
            process.start()
            await polling(server, process)
            last = max(deadlines.values())
            while datetime.now(UTC) < last + timedelta(seconds=120):
                await asyncio.sleep(2)
                if datetime.now(UTC) > last and len(await escalations(db)) >= len(deadlines):
                    break
            await asyncio.sleep(5)  # let the courier finish the last notices
            fired = await escalations(db)
            delivered = await deliveries(db, start - timedelta(seconds=1))
            async with SqliteStore(db) as store, store.reading() as tx:
                outcomes = await tx.outbox_counts()
                waiting = await tx._all(
                    "SELECT coalesce(json_extract(body, '$.role'), 'a person'), count(*) "
                    "FROM outbox WHERE done_at IS NULL GROUP BY 1"
                )

            process.stop()
            late = [(fired[c][0] - d).total_seconds() for c, d in deadlines.items() if c in fired]
            sent = [
                (delivered[c] - d).total_seconds() for c, d in deadlines.items() if c in delivered
            ]
            missed = sum(1 for c in deadlines if c not in fired)
            doubled = sum(1 for c in deadlines if len(fired.get(c, [])) > 1)
            early = sum(1 for x in late if x < 0)
            lp, sp = percentiles(late), percentiles(sent)

            # Part 2: a restart with a big database.
            grown = time.perf_counter()
            await add_cases(db, args.history - args.cases, None, start - timedelta(days=1))
            grown = time.perf_counter() - grown
            restart, rss, peak = await timed_restart(server, db, folder, estate)
    record(
        [
            heading(
                f"Timers: {args.cases} deadlines over {args.spread:g} s, "
                f"restart with {args.history} cases"
            ),
            "",
            f"- escalations stored after their deadline: p50 {lp['p50']:.2f} s, "
            f"p99 {lp['p99']:.2f} s, max {lp['max']:.2f} s (target p99 <= 5 s)",
            f"- the residents told (notice sent) after the deadline: p50 {sp['p50']:.2f} s, "
            f"p99 {sp['p99']:.2f} s, max {sp['max']:.2f} s ({len(sent)} of {len(deadlines)})",
            f"- outbox after the run: {outcomes}; still waiting, by addressee: "
            + (", ".join(f"{who} {n}" for who, n in waiting) or "none"),
            f"- missed: {missed}, fired twice: {doubled}, fired early: {early} (target 0, 0, 0)",
            f"- restart with {args.history} cases: answered a resident {restart:.2f} s after the "
            f"process started (target <= 2 s); RSS {rss:.0f} MB, peak {peak:.0f} MB "
            f"(target <= 200 MB)",
            f"- set-up: {args.cases} open cases written in {made:.1f} s, "
            f"{args.history - args.cases} closed ones in {grown:.1f} s",
        ]
    )


async def timed_restart(
    server: FakeTelegramServer, db: Path, folder: Path, estate: Path
) -> tuple[float, float, float]:
    process: BotProcess = estate_desk(server, db, folder, estate_config=estate)
    resident = server.world.users[FIRST_RESIDENT + RESIDENTS]  # no case of theirs pending
    mark = resident.last_message_id()
    started = time.perf_counter()
    process.start()
    resident.send("/start")
    try:
        await resident.wait_for_message(after=mark, timeout=60)
        answered = time.perf_counter() - started
        rss, peak = rss_mb(process.pid)
    finally:
        process.stop()
    return answered, rss, peak


if __name__ == "__main__":
    asyncio.run(main())
