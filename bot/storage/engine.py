"""SQLite's engine (PostgreSQL's is bot/storage/postgres.py).

A single aiosqlite connection in WAL mode. Every unit of work holds an
asyncio lock from BEGIN IMMEDIATE to COMMIT, so two handlers running at once
can never commit each other's half-done work; SQLite takes one writer at a
time anyway, and a command's transaction is a few milliseconds.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.migrations import LATEST, MIGRATIONS
from bot.storage.base import Store, StoreError, Transaction, too_new
from bot.storage.rows import Row, utc_text


class SqliteConnection:
    """The connection port (bot/storage/rows.py) over one aiosqlite connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.raw = db

    # Each statement is one trip to the connection's thread, not three (execute,
    # fetch, close): a trip costs the event loop a wake-up and both threads a
    # hand-over of the GIL, about 80 µs of CPU, and a burst's filings were
    # spending a fifth of their CPU on them (bench/RESULTS.md, "Burst, fourth pass").

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        # Not closed in the thread: a statement that ran to its end is already
        # reset, and the cursor goes when its last reference does, here.
        cursor = await self.raw.execute(sql, params)
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.raw.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        # Every query read this way names one row (a key, LIMIT 1, RETURNING).
        rows = await self.raw.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.raw.execute_fetchall(sql, params))

    async def lock(self, name: str) -> None:
        """Nothing to take: BEGIN IMMEDIATE already made this the only writer."""


SqliteTransaction = Transaction  # the name the rest of the code knew it by


class SqliteStore(Store):
    kind = "sqlite"

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = str(path)
        # Resolved here, not in the async open(): a path look-up may block.
        self._reader_uri = Path(self.path).resolve().as_uri() + "?mode=ro"
        self._db: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    async def open(self) -> Self:
        """Connect, migrate and check the file can be written; a file that cannot
        be used raises StoreError naming it (never a bare "unable to open")."""
        if self._db is not None:
            return self
        try:
            await self._connect()
        except StoreError:
            await self.close()
            raise
        except (sqlite3.Error, OSError) as error:
            await self.close()
            raise StoreError(self._explain(error)) from error
        return self

    async def _connect(self) -> None:
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
        # A read-only file opens and reads (and even begins a write transaction):
        # write a row and roll it back, to find out now and not at the first filing.
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._db.execute("INSERT INTO schema_migrations VALUES (-1, 'probe')")
        finally:
            await self._db.execute("ROLLBACK")
        if self.path != ":memory:":
            self._reader = await aiosqlite.connect(self._reader_uri, uri=True, isolation_level=None)
            self._reader.row_factory = aiosqlite.Row
            await self._reader.execute("PRAGMA busy_timeout = 10000")

    def _explain(self, error: sqlite3.Error | OSError) -> str:
        path = Path(self.path)
        folder = path.parent
        if isinstance(error, OSError):
            if any(p.exists() and not p.is_dir() for p in (folder, *folder.parents)):
                where = next(p for p in (folder, *folder.parents) if p.exists())
                return f"{path}: {where} is a file, not a folder"
            reason = error.strerror or str(error)
            return f"{path}: cannot create the folder {folder} for the database: {reason}"
        if not folder.is_dir():
            return f"{path}: the folder {folder} does not exist"
        if path.exists() and not os.access(path, os.R_OK):
            return f"{path}: the database cannot be read (permission denied)"
        if path.exists() and not os.access(path, os.W_OK):
            return f"{path}: the database is read-only; estate-desk needs to write to it"
        if not os.access(folder, os.W_OK):
            return (
                f"{path}: the folder {folder} is read-only; SQLite keeps {path.name}-wal "
                f"and {path.name}-shm beside the database"
            )
        return f"{path}: cannot use the database: {error}"

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._db is not None:
            async with self._lock:
                await self._db.close()
            self._db = None

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
        if applied and max(applied) > LATEST:
            raise too_new(self.path, max(applied), LATEST)
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
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("a transaction cannot be opened inside another one")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield Transaction(SqliteConnection(self.db))
                except BaseException:
                    await self.db.execute("ROLLBACK")
                    raise
                await self.db.execute("COMMIT")
            finally:
                self._owner = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """On a read-only connection of their own: WAL lets readers run beside
        the writer."""
        if self._reader is None:
            async with self.transaction() as tx:
                yield tx
            return
        yield Transaction(SqliteConnection(self._reader))
