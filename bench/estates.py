"""Many estates on one PostgreSQL database: a burst across their bots, and a
standby taking over when the leader is killed.

    .venv/bin/python -m bench.estates                    # 20 estates x 1,000 units
    .venv/bin/python -m bench.estates --runs 3 --note "an idle machine"
    .venv/bin/python -m bench.estates --estates 2 --units 50 --residents 10 --step-timeout 10

The set-up, in a temporary folder: `--estates` estate files of `--units` units
each (bench/estate_files.py: buildings of 25 floors x 10 flats) and a company
file listing them (COMPANY_CONFIG), each estate with its own bot token; a
throw-away PostgreSQL database on `--server`. Residents are written straight
into each estate's tables before the bot starts (as bench/postgres.py does):
`--registered` approved households an estate, of whom `--residents` file in
the burst and another `--residents` during the take-over.

Measured in each run, side by side, with Telegram's send limits lifted (the
store is what is measured, as in bench/postgres.py):

1. one estate on SQLite, `python -m bot` with ESTATE_CONFIG (the first
   estate's file): the same burst size, estates x residents, every resident
   filing a cleaning case through the whole conversation (the menu, "My flat",
   a description, Done, Confirm; each answer as soon as the bot has answered);
2. a bare python-telegram-bot echo bot, the same number of people and updates
   (`--no-echo` skips it);
3. all the estates on PostgreSQL, one `python -m bot` with COMPANY_CONFIG
   and a second one beside it as a standby (STANDBY=true): the burst spread
   evenly over the estates' bots: updates per second, Confirm -> confirmation
   p50/p95/p99, each case stored once; how long the leader takes to poll
   every bot, and the most connections the database had;
4. the take-over: another burst of the same size; once a quarter of it is
   confirmed the leader is SIGKILLed; the times from the kill to the
   standby's first getMe (it holds the lease and checks the tokens), its
   first getUpdates, its first message sent or edited, and every estate's
   bot polling again; those caught half-way (no answer within
   `--step-timeout` seconds: their last update went down with the leader)
   send /cancel and file again; at the end every resident of the take-over
   burst has been confirmed and has exactly one case, every case a resident
   was told about is stored, and confirmations that went twice (sent by the
   leader, not yet recorded as sent at the kill) are counted.

`--runs N` repeats all four, a fresh database each time, and reports the
minimum, median and maximum of each figure. Prints the figures and appends
them to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import logging
import os
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bench.burst import echo_rate
from bench.common import heading, own_cpu, percentiles, polling, record
from bench.estate_files import Layout, estate_id, token, write_estate
from bench.postgres import admin, database_at
from bot.company import schema_of
from bot.storage import Transaction, store_at
from playground.fake_telegram import FakeTelegramServer, FakeUser, World
from playground.fake_telegram.process import (
    BotProcess,
    bot_environment,
    company_environment,
    file_in_english,
    write_company,
)
from workflow.directory import Person, RoleGroup
from workflow.roles import STAFF_ROLES, Role

STEPS = 5  # the menu, "My flat", the description, Done, Confirm
MENU, TEXT = "🧹 Cleaning problem", "Rubbish in the corridor"
TIMEOUT = 120  # a step of the measured burst: seconds before a resident gives up
FIRST_RESIDENT = 100_000  # estate n's residents are FIRST_RESIDENT * n + i
LIFTED: dict[str, object] = {  # Telegram's pace lifted: the store is measured, not the limiter
    "group_messages_per_minute": 10_000,
    "chat_messages_per_second": 10_000,
}
REF = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")  # a case's reference, as in bench/storm.py
log = logging.getLogger("bench.estates")


# --- the fake's call log, timed ------------------------------------------------


class TimedCalls(list[str]):
    """World.calls that also keeps when each call came (time.perf_counter())."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, method: str) -> None:
        self.times.append(time.perf_counter())
        super().append(method)

    def first_after(self, since: float, methods: frozenset[str]) -> float | None:
        """Seconds from `since` to the first call of one of `methods` after it."""
        for i in range(bisect.bisect_left(self.times, since), len(self.times)):
            if self[i] in methods:
                return self.times[i] - since
        return None

    def standby_after(self, killed: float, methods: frozenset[str]) -> float | None:
        """Seconds from the kill to the standby's first call of one of `methods`.
        The standby's first call is getMe (it checks the token once it holds the
        lease); calls before it, even those the fake takes after the kill, are
        the dead leader's, still in the fake's sockets."""
        started = self.first_after(killed, START)
        if started is None:
            return None
        after = self.first_after(killed + started, methods)
        return None if after is None else started + after


START = frozenset({"getMe"})
POLLS = frozenset({"getUpdates"})
ANSWERS = frozenset({"sendMessage", "editMessageText", "answerCallbackQuery"})


def timed_world(token: str = "123456:FAKE") -> World:
    world = World(token)
    world.calls = TimedCalls()
    return world


# --- the estates' people --------------------------------------------------------


@dataclass
class Estate:
    """One estate under test: its bot (a world in the fake), its people."""

    number: int
    world: World
    burst: list[FakeUser] = field(default_factory=list)  # file in the measured burst
    takeover: list[FakeUser] = field(default_factory=list)  # file while the leader dies


async def seed(
    tx: Transaction, estate: Estate, layout: Layout, registered: int, burst: int, takeover: int
) -> None:
    """The estate's staff groups bound, and `registered` approved households in
    its units (one a unit), of whom the first `burst` + `takeover` are people
    in the fake: the first `burst` file in the burst, the others during the
    take-over."""
    world = estate.world
    admin = world.user(FIRST_RESIDENT * estate.number, "Admin", language_code="en")
    for role in sorted(STAFF_ROLES - {Role.GUARD}):
        chat = world.group(f"{role} group", [admin])
        await tx.bind_group(RoleGroup(role=role, chat_id=chat.id, title=chat.title or ""))
    now = datetime.now(UTC)
    filing = burst + takeover
    for i in range(max(registered, filing)):
        user_id = FIRST_RESIDENT * estate.number + 1 + i
        building, unit = layout.unit(i)
        if i < filing:
            user = world.user(user_id, f"R{estate.number}-{i}", language_code="en")
            world.started.add(user_id)
            (estate.burst if i < burst else estate.takeover).append(user)
        await tx.save_person(
            Person(
                user_id=user_id,
                name=f"R{estate.number}-{i}",
                language="en",
                building=building,
                unit=unit,
                resident_status="approved",
            ),
            now,
        )
    world.updates.clear()  # the groups' "bot added" updates: set up already


async def stored_cases(database: str | Path) -> list[tuple[str, int]]:
    """(reference, reporter) of every case in the database."""
    async with store_at(database) as store, store.reading() as tx:
        rows = await tx._all("SELECT ref, reporter_id FROM cases")
    return [(str(r[0]), int(r[1])) for r in rows]


def told(resident: FakeUser) -> Counter[str]:
    """The case references the resident was told are recorded, and how often."""
    refs: Counter[str] = Counter()
    for message in resident.private.bot_messages():
        if "is recorded" in message.text and (match := REF.search(message.text)):
            refs[match.group(0)] += 1
    return refs


# --- a burst ----------------------------------------------------------------------


def cpu_seconds(process: BotProcess) -> float:
    """CPU seconds (user + system) the running process has used so far (Linux)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(people: Sequence[FakeUser], process: BotProcess) -> dict[str, float]:
    """Everyone files at once: updates per second, the Confirm -> confirmation
    times' percentiles, the bot's CPU per update, and how busy this process (the
    fake and the residents) was."""
    started, cpu, ours = time.perf_counter(), cpu_seconds(process), own_cpu()
    waits = await asyncio.gather(*(file_in_english(p, MENU, TEXT, timeout=TIMEOUT) for p in people))
    elapsed = time.perf_counter() - started
    updates = len(people) * STEPS
    return {
        "rate": updates / elapsed,
        **percentiles(waits),
        "cpu": (cpu_seconds(process) - cpu) / updates,
        "driver": (own_cpu() - ours) / elapsed,
    }


async def single_estate(
    folder: Path,
    database: str | Path,
    layout: Layout,
    registered: int,
    residents: int,
    per_second: float,
) -> dict[str, float]:
    """One estate (the first estate's file) in `database`: `residents` file at once."""
    estate = Estate(1, timed_world())
    config = write_estate(folder, 1, layout)
    async with store_at(database) as store, store.transaction() as tx:
        await seed(tx, estate, layout, registered, residents, 0)
    async with FakeTelegramServer(estate.world) as server:
        settings = {"estate_config": config, "messages_per_second": per_second, **LIFTED}
        process = BotProcess(
            bot_environment(server, database, log_level="WARNING", **settings), folder
        )
        process.start()
        try:
            await polling(server, process)
            measured = await burst(estate.burst, process)
        finally:
            process.stop()
    return measured | _once(await stored_cases(database), estate.burst)


def _once(cases: list[tuple[str, int]], people: Sequence[FakeUser]) -> dict[str, float]:
    """How many cases were stored, and whether each of `people` has exactly one."""
    by_reporter = Counter(reporter for _ref, reporter in cases)
    return {
        "stored": float(len(cases)),
        "one_each": float(sum(1 for p in people if by_reporter[p.id] == 1)),
    }


# --- the take-over ------------------------------------------------------------------


async def wait_for_line(process: BotProcess, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in process.log():
        if process.process is not None and process.process.poll() is not None:
            raise RuntimeError(f"the bot exited early:\n{process.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} never appeared in the log:\n{process.log()[-3000:]}")
        await asyncio.sleep(0.05)


async def file_or_give_up(resident: FakeUser, step_timeout: float) -> bool:
    """The whole conversation; False if the bot stopped answering on the way."""
    try:
        await file_in_english(resident, MENU, TEXT, timeout=step_timeout)
    except TimeoutError:
        return False
    return True


async def until(
    predicate: Callable[[], bool], timeout: float, what: str, process: BotProcess | None = None
) -> None:
    """Wait for `predicate`; TimeoutError naming `what` (with `process`'s log) if it
    does not come, RuntimeError if `process` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if (
            process is not None
            and process.process is not None
            and process.process.poll() is not None
        ):
            raise RuntimeError(f"the bot exited early:\n{process.log()[-3000:]}")
        if time.monotonic() > deadline:
            tail = f":\n{process.log()[-3000:]}" if process is not None else ""
            raise TimeoutError(f"waited {timeout:.0f} s for {what}{tail}")
        await asyncio.sleep(0.01)


async def kill_in_the_middle(
    estates: Sequence[Estate],
    leader: BotProcess,
    standby: BotProcess,
    step_timeout: float,
    cases: Callable[[], Awaitable[list[tuple[str, int]]]],
) -> dict[str, float]:
    """The take-over burst; the leader SIGKILLed once a quarter of it is confirmed."""
    people = [p for e in estates for p in e.takeover]
    filing = [asyncio.create_task(file_or_give_up(p, step_timeout)) for p in people]
    await until(
        lambda: sum(1 for p in people if told(p)) >= len(people) // 4,
        timeout=TIMEOUT,
        what="a quarter of the take-over burst confirmed",
    )
    log.warning("killing the leader")
    leader.kill()
    killed = time.perf_counter()
    calls = [e.world.calls for e in estates]
    assert all(isinstance(c, TimedCalls) for c in calls)
    timed = [c for c in calls if isinstance(c, TimedCalls)]

    def first(methods: frozenset[str]) -> list[float]:
        return [t for c in timed if (t := c.standby_after(killed, methods)) is not None]

    await until(lambda: bool(first(START)), 120, "the standby to start")
    await until(lambda: len(first(POLLS)) == len(timed), 120, "every estate's bot to poll again")
    await until(lambda: bool(first(ANSWERS)), 120, "the standby's first message")
    log.warning("the standby took over")
    finished = await asyncio.gather(*filing)
    interrupted = [p for p, done in zip(people, finished, strict=True) if not done]
    if "this instance serves" not in standby.log():
        raise RuntimeError(f"the standby did not say it serves:\n{standby.log()[-3000:]}")

    # Whoever had a case stored before the kill is told from the standby (the
    # outbox survived); whoever was caught half-way files again.
    mine = {p.id for p in people}
    deadline = time.monotonic() + 120
    while True:
        stored = {ref for ref, reporter in await cases() if reporter in mine}
        if stored <= {ref for p in people for ref in told(p)} or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    log.warning("the cases stored before the kill confirmed")
    again = [p for p in people if not told(p)]
    for resident in again:
        resident.send("/cancel")
    await asyncio.gather(*(file_or_give_up(p, step_timeout) for p in again))

    everything = await cases()
    stored_refs = {ref: reporter for ref, reporter in everything if reporter in mine}
    told_refs = {ref: p.id for p in people for ref in told(p)}
    return {
        "started": min(first(START)),
        "first_poll": min(first(POLLS)),
        "every_poll": max(first(POLLS)),
        "first_answer": min(first(ANSWERS)),
        "interrupted": float(len(interrupted)),
        "refiled": float(len(again)),
        "confirmed": float(sum(1 for p in people if told(p))),
        "people": float(len(people)),
        "told_is_stored": float(told_refs == stored_refs),
        "twice": float(sum(n - 1 for p in people for n in told(p).values())),
        **_once([(r, p) for r, p in everything if p in mine], people),
    }


# --- PostgreSQL databases -------------------------------------------------------------


class Databases:
    """Throw-away databases on a server, dropped at the end."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.stamp = f"{int(time.time())}"
        self.names: list[str] = []

    async def fresh(self) -> str:
        name = f"estate_desk_bench_estates_{self.stamp}_{len(self.names)}"
        self.names.append(name)
        await admin(self.server, f'CREATE DATABASE "{name}"')
        return database_at(self.server, name)

    async def drop(self) -> None:
        for name in self.names:
            await admin(self.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Connections:
    """The most connections to one database seen while it runs (sampled every
    0.1 s from the server's pg_stat_activity, over a connection to another)."""

    def __init__(self, server: str, url: str) -> None:
        self.server = server
        self.name = urlsplit(url).path.strip("/")
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Connections:
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        db = await asyncpg.connect(database_at(self.server, "postgres"), timeout=10)
        try:
            while True:
                count = await db.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", self.name
                )
                self.peak = max(self.peak, int(count))
                await asyncio.sleep(0.1)
        finally:
            await db.close()


# --- many estates ------------------------------------------------------------------


async def company_cases(db: asyncpg.Connection, estates: Sequence[Estate]) -> list[tuple[str, int]]:
    """(reference, reporter) of every case of every estate (each in its schema),
    over one connection the script holds from before the bots start: on a server
    other clients share, a new one may be refused once the bots hold theirs."""
    found: list[tuple[str, int]] = []
    for estate in estates:
        schema = schema_of(estate_id(estate.number))
        rows = await db.fetch(f'SELECT ref, reporter_id FROM "{schema}".cases')
        found += [(str(r[0]), int(r[1])) for r in rows]
    return found


async def one_deployment(
    folder: Path, url: str, layout: Layout, args: argparse.Namespace
) -> dict[str, float]:
    """Every estate in one `python -m bot` with COMPANY_CONFIG on the database at
    `url`, a standby beside it: the burst across the estates, then the take-over."""
    estates = [Estate(n, timed_world(token(n))) for n in range(1, args.estates + 1)]
    started = time.perf_counter()
    for estate in estates:
        eid = estate_id(estate.number)
        store = store_at(url, schema=schema_of(eid), estate_id=eid)
        async with store, store.transaction() as tx:
            await seed(tx, estate, layout, args.registered, args.residents, args.residents)
    log.warning("%d estates seeded in %.0f s", len(estates), time.perf_counter() - started)
    worlds = {estate_id(e.number): e.world for e in estates}
    company = write_company(
        folder,
        worlds,
        staff=[1],
        estate_files={
            estate_id(n): write_estate(folder, n, layout) for n in range(1, len(estates) + 1)
        },
        name="Benchmark Property Management",
    )
    settings = {"messages_per_second": args.per_second, "log_level": "WARNING", **LIFTED}
    if args.pool_size:
        settings["database_pool_size"] = args.pool_size
    async with (
        Connections(args.server, url) as connections,
        FakeTelegramServer(estates[0].world) as server,
    ):
        for estate in estates[1:]:
            server.add_bot(estate.world)
        env = company_environment(server, url, company, worlds, **settings)
        leader = BotProcess(env, folder, log_name="leader.log")
        standby = BotProcess(env | {"STANDBY": "true"}, folder, log_name="standby.log")
        db = await asyncpg.connect(url, timeout=10)
        started = time.perf_counter()
        leader.start()
        try:
            await until(
                lambda: all("getUpdates" in e.world.calls for e in estates),
                120,
                "every estate's bot to poll",
                leader,
            )
            polls_after = time.perf_counter() - started
            log.warning("the leader polls every estate's bot after %.1f s", polls_after)
            standby.start()
            await wait_for_line(standby, "waiting to take over", 60)
            log.warning("the burst")
            measured = await burst([p for e in estates for p in e.burst], leader)
            measured["start"] = polls_after
            log.warning("the take-over")
            measured |= _once(
                await company_cases(db, estates), [p for e in estates for p in e.burst]
            )
            measured |= {
                f"takeover_{k}": v
                for k, v in (
                    await kill_in_the_middle(
                        estates,
                        leader,
                        standby,
                        args.step_timeout,
                        lambda: company_cases(db, estates),
                    )
                ).items()
            }
            measured["connections"] = float(connections.peak)
        finally:
            leader.stop()
            standby.stop()
            await db.close()
    return measured


# --- the run -------------------------------------------------------------------------


def spread(values: Sequence[float], digits: int = 2) -> str:
    """One run's figure, or min / median / max of several."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (
        f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / "
        f"{max(values):.{digits}f}"
    )


async def run(args: argparse.Namespace) -> None:
    layout = Layout.of(args.units)
    total = args.estates * args.residents
    databases = Databases(args.server)
    runs: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name) if args.keep is None else args.keep
            folder.mkdir(parents=True, exist_ok=True)
            for number in range(args.runs):
                # Each run side by side: SQLite, the echo bot, then the company.
                here = folder / f"run{number + 1}"
                (here / "sqlite").mkdir(parents=True)
                measured = {
                    f"sqlite_{k}": v
                    for k, v in (
                        await single_estate(
                            here / "sqlite",
                            here / "sqlite" / "bench.sqlite3",
                            layout,
                            args.registered,
                            total,
                            args.per_second,
                        )
                    ).items()
                }
                log.warning("run %d: SQLite %.1f updates/s", number + 1, measured["sqlite_rate"])
                if args.echo:
                    echo = await echo_rate(total, 0.0, 16, args.per_second)
                    measured["echo_rate"] = echo["rate"]
                measured |= await one_deployment(here, await databases.fresh(), layout, args)
                runs.append(measured)
                log.warning("run %d: %s", number + 1, measured)
    finally:
        await databases.drop()
    report(args, layout, runs)


def report(args: argparse.Namespace, layout: Layout, runs: list[dict[str, float]]) -> None:
    total = args.estates * args.residents

    def each(key: str) -> list[float]:
        return [r[key] for r in runs]

    many = "runs, each figure min / median / max" if len(runs) > 1 else "run"
    lines = [
        heading(
            f"Many estates: {args.estates} estates x {layout.units} units on one PostgreSQL, "
            f"{total} residents x {STEPS} updates, send limit {args.per_second:g}/s"
        ),
        "",
        f"- set-up: {args.registered} households registered an estate (written into the "
        f"database); {args.residents} an estate file in the burst, {args.residents} more "
        f"during the take-over; {len(runs)} {many}; in each run side by side: one estate "
        "on SQLite, the echo bot, the company on PostgreSQL",
        f"- one estate on SQLite, {total} residents: {spread(each('sqlite_rate'), 1)} "
        f"updates/s; Confirm -> confirmation p50 {spread(each('sqlite_p50'))} s, "
        f"p99 {spread(each('sqlite_p99'))} s; {spread(each('sqlite_one_each'), 0)} of "
        f"{total} residents with exactly one case; the bot's CPU per update "
        f"{spread([1000 * c for c in each('sqlite_cpu')])} ms",
    ]
    if args.echo:
        lines.append(
            "- bare PTB echo bot (16 concurrent updates), the same people and updates: "
            f"{spread(each('echo_rate'), 1)} updates/s"
        )
    rates = each("rate")
    pool = f"DATABASE_POOL_SIZE {args.pool_size}" if args.pool_size else "the default pools"
    lines += [
        f"- {args.estates} estates on PostgreSQL, one process ({pool}): {spread(rates, 1)} "
        f"updates/s ({spread([r['rate'] / r['sqlite_rate'] for r in runs])} of SQLite's "
        "in the same run); "
        f"Confirm -> confirmation p50 {spread(each('p50'))} s, p95 {spread(each('p95'))} s, "
        f"p99 {spread(each('p99'))} s; {spread(each('one_each'), 0)} of {total} residents "
        "with exactly one case; the bot's CPU per update "
        f"{spread([1000 * c for c in each('cpu')])} ms; the fake and the residents (this "
        f"script) kept {spread([100 * d for d in each('driver')], 0)} % of a core busy",
        f"- the leader polls every estate's bot {spread(each('start'), 1)} s after it starts; "
        f"connections to the database at most {spread(each('connections'), 0)} (leader, "
        "standby and this script's look-ups)",
        "- take-over after SIGKILL, from the kill: the standby checks the tokens (getMe) "
        f"{spread(each('takeover_started'))} s, its first getUpdates "
        f"{spread(each('takeover_first_poll'))} s, every estate's bot polling "
        f"{spread(each('takeover_every_poll'))} s, its first message sent or edited "
        f"{spread(each('takeover_first_answer'))} s",
        f"- the take-over burst ({total} more residents, the kill once a quarter were "
        f"confirmed): {spread(each('takeover_interrupted'), 0)} caught half-way got no "
        f"answer within {args.step_timeout:g} s and filed again; "
        f"{spread(each('takeover_confirmed'), 0)} of {total} confirmed in the end, "
        f"{spread(each('takeover_one_each'), 0)} with exactly one case; the cases told = "
        "the cases stored: "
        + ", ".join("yes" if r["takeover_told_is_stored"] else "NO" for r in runs)
        + f"; confirmations sent twice {spread(each('takeover_twice'), 0)}",
        *([f"- {args.note}"] if args.note else []),
        "",
    ]
    record(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument(
        "--estates", type=int, default=20, help="estates in the company (default 20)"
    )
    parser.add_argument("--units", type=int, default=1000, help="units an estate (default 1000)")
    parser.add_argument(
        "--registered",
        type=int,
        default=None,
        help="approved households an estate (default: one a unit)",
    )
    parser.add_argument(
        "--residents",
        type=int,
        default=25,
        help="residents an estate filing in the burst, and as many more in the take-over "
        "(default 25: 500 in all with 20 estates, as bench/burst.py)",
    )
    parser.add_argument("--runs", type=int, default=1, help="PostgreSQL runs (default 1)")
    parser.add_argument(
        "--per-second",
        type=float,
        default=1000,
        help="the bot's overall send limit (default 1000: the store is measured, not Telegram's "
        "30 a second)",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=30,
        help="during the take-over, seconds a resident waits for an answer before filing again",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=0,
        help="DATABASE_POOL_SIZE for the bots (default: unset, the deployment's own share)",
    )
    parser.add_argument(
        "--note", default="", help="a line to add to the figures (the machine's load)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="write the estate files, the company file and the bots' logs into this (new) "
        "folder and keep them (default: a temporary folder)",
    )
    parser.add_argument("--no-echo", dest="echo", action="store_false", help="skip the echo bot")
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="a PostgreSQL server (no database: one is made and dropped for each run)",
    )
    args = parser.parse_args()
    if args.registered is None:
        args.registered = Layout.of(args.units).units
    for name in ("estates", "units", "residents", "runs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}: at least 1")
    if 2 * args.residents > Layout.of(args.units).units:
        parser.error("--residents: at most half the units (each filer has a unit of their own)")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
