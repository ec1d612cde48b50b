"""The one place that speaks SQL.

A single aiosqlite connection in WAL mode. Every unit of work holds an
asyncio lock from BEGIN IMMEDIATE to COMMIT, so two handlers running at once
can never commit each other's half-done work; SQLite takes one writer at a
time anyway, and a command's transaction is a few milliseconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import TypeAdapter
from pydantic_core import to_json

from bot.migrations import MIGRATIONS
from workflow.model import Case, Category, Event, EventKind, Location

_CASE = TypeAdapter(Case)


def utc_text(when: datetime) -> str:
    """Fixed-width UTC text, so SQL can compare times as strings."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    async def open(self) -> SqliteStore:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        self._db.row_factory = aiosqlite.Row
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "busy_timeout = 10000",
        ):
            await self._db.execute(f"PRAGMA {pragma}")
        await self._migrate()
        return self

    async def close(self) -> None:
        if self._db is not None:
            async with self._lock:
                await self._db.close()
            self._db = None

    async def __aenter__(self) -> SqliteStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    async def _migrate(self) -> None:
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        async with self.db.execute("SELECT version FROM schema_migrations") as cur:
            applied = {row[0] for row in await cur.fetchall()}
        for version, sql in MIGRATIONS:
            if version in applied:
                continue
            stamp = utc_text(datetime.now(UTC))
            await self.db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_migrations VALUES ({int(version)}, '{stamp}');\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        async with self.db.execute("SELECT max(version) FROM schema_migrations") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("a transaction cannot be opened inside another one")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield SqliteTransaction(self.db)
                except BaseException:
                    await self.db.execute("ROLLBACK")
                    raise
                await self.db.execute("COMMIT")
            finally:
                self._owner = None


class SqliteTransaction:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # --- cases -------------------------------------------------------------

    async def get(self, case_id: int) -> Case | None:
        row = await self._one("SELECT body FROM cases WHERE id = ?", (case_id,))
        return _CASE.validate_json(row[0]) if row else None

    async def get_by_ref(self, ref: str) -> Case | None:
        row = await self._one("SELECT body FROM cases WHERE ref = ?", (ref.upper(),))
        return _CASE.validate_json(row[0]) if row else None

    async def new_case_id(self) -> int:
        row = await self._one("SELECT coalesce(max(id), 0) + 1 FROM cases")
        assert row is not None
        return int(row[0])

    async def next_reference(self, prefix: str, year: int) -> str:
        row = await self._one(
            "INSERT INTO ref_counters (prefix, year, last) VALUES (?, ?, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last",
            (prefix, year),
        )
        assert row is not None
        return f"{prefix}{year}-{int(row[0]):05d}"

    async def add(self, case: Case) -> None:
        home = case.reporter_unit or Location()
        await self.db.execute(
            "INSERT INTO cases (id, ref, category, status, reporter_id, building, unit, "
            "created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case.id,
                case.ref,
                case.category,
                case.status,
                case.reporter_id,
                home.building,
                home.unit,
                utc_text(case.created_at),
                _CASE.dump_json(case).decode(),
            ),
        )
        await self._index_deadlines(case)

    async def save(self, case: Case) -> None:
        await self.db.execute(
            "UPDATE cases SET category = ?, status = ?, body = ? WHERE id = ?",
            (case.category, case.status, _CASE.dump_json(case).decode(), case.id),
        )
        await self._index_deadlines(case)

    async def _index_deadlines(self, case: Case) -> None:
        await self.db.execute("DELETE FROM deadlines WHERE case_id = ?", (case.id,))
        await self.db.executemany(
            "INSERT INTO deadlines (case_id, kind, next_at) VALUES (?, ?, ?)",
            [(case.id, str(dl.kind), utc_text(dl.next_at())) for dl in case.deadlines.values()],
        )

    async def cases_from_unit(self, unit: Location, category: Category) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE building IS ? AND unit IS ? AND category = ? "
            "ORDER BY id DESC LIMIT 50",
            (unit.building, unit.unit, category),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    async def cases_of_reporter(self, user_id: int, limit: int = 20) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE reporter_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    async def due_case_ids(self, now: datetime, limit: int) -> list[int]:
        rows = await self._all(
            "SELECT case_id FROM deadlines WHERE next_at <= ? "
            "GROUP BY case_id ORDER BY min(next_at) LIMIT ?",
            (utc_text(now), limit),
        )
        return [int(row[0]) for row in rows]

    async def open_case_count(self) -> int:
        row = await self._one("SELECT count(DISTINCT case_id) FROM deadlines")
        return int(row[0]) if row else 0

    # --- the event log -------------------------------------------------------

    async def append(self, events: Sequence[Event]) -> None:
        await self.db.executemany(
            "INSERT INTO events (case_id, kind, at, actor_id, reason, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    e.case_id,
                    str(e.kind),
                    utc_text(e.at),
                    e.actor_id,
                    None if e.reason is None else str(e.reason),
                    to_json(e.data).decode(),
                )
                for e in events
            ],
        )

    async def events_of_case(self, case_id: int) -> list[Event]:
        rows = await self._all("SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,))
        return [_event(row) for row in rows]

    async def events_of_cases_filed(self, start: datetime, end: datetime) -> list[Event]:
        """Every event of the cases filed in [start, end): the cohort the
        office's figures are computed over."""
        rows = await self._all(
            "SELECT * FROM events WHERE case_id IN (SELECT case_id FROM events "
            "WHERE kind = 'filed' AND at >= ? AND at < ?) ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [_event(row) for row in rows]


def _event(row: aiosqlite.Row) -> Event:
    return Event(
        case_id=row["case_id"],
        kind=EventKind(row["kind"]),
        at=parse_utc(row["at"]),
        actor_id=row["actor_id"],
        reason=row["reason"],
        data=json.loads(row["data"]),
    )
