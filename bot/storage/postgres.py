"""The PostgreSQL engine (asyncpg): the same tables, migrations and guarantees
as SQLite's, on a server several instances can share.

- One set of SQL. The table modules write SQLite-flavoured portable SQL; the
  connection here turns `?` into `$1 …` and `json_extract(c, '$.k')` into
  `(c::jsonb ->> 'k')` (cached per statement).
- The same migrations. Each numbered migration is translated
  (`to_postgres`): INTEGER is BIGINT (Telegram ids exceed 32 bits), an
  INTEGER PRIMARY KEY an identity column (SQLite hands out its rowid), TEXT
  compares byte-wise as in SQLite (COLLATE "C": the times stored as text sort
  as times), REAL is DOUBLE PRECISION, BLOB is BYTEA, and an append-only
  trigger (`RAISE(ABORT, …)`) a plpgsql function. What cannot be translated
  stops the migration with its number; bot/migrations.py then carries a
  PostgreSQL text for that number (`POSTGRES_OVERRIDES`).
- One writer at a time per estate, as with SQLite: a transaction takes a
  transaction-level advisory lock first, so several instances on one database
  take turns and a command's read-then-write (the next case number, a timer
  re-checked before it fires) never races another instance's. Look-ups
  (`reading`) take no lock and see what was last committed.
- Several estates on one database (a company, bot/company.py): each estate's
  tables live in a schema of its own (`estate_<id>`, the pool's `search_path`),
  migrated there, its rows' `estate_id` defaulting to the estate's id, and its
  advisory locks in a key space of its own (two-key locks keyed by the schema),
  so one estate's writer never waits for another's. Without a schema (one
  estate) the tables are where they always were (the server's search_path:
  public) and the locks are the one-key ones.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.migrations import LATEST, MIGRATIONS, POSTGRES_OVERRIDES
from bot.storage.base import Store, StoreError, Transaction, too_new
from bot.storage.rows import Row, utc_text

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Raw = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Target = Raw | asyncpg.Pool[asyncpg.Record]

# The advisory locks' keys (one space per database): the writer of the estate's
# tables, the one applying migrations, and the instance that serves (the lease).
WRITER_LOCK = 0x65_73_74_61_74_65  # "estate"
MIGRATION_LOCK = 0x6D_69_67_72_61_74  # "migrat"
LEASE_LOCK = 0x6C_65_61_73_65_00  # "lease"
SCHEMA_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


class PostgresConnection:
    """The connection port (bot/storage/rows.py) over one asyncpg connection (a
    transaction's), or over the pool (look-ups: each statement borrows a
    connection for as long as it runs, like SQLite's reader in autocommit)."""

    def __init__(self, raw: Target, schema: str | None = None) -> None:
        self.raw = raw
        self.schema = schema

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        status: str = await self.raw.execute(to_dollars(sql), *params)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self.raw.executemany(to_dollars(sql), batch)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = await self.raw.fetchrow(to_dollars(sql), *params)
        return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(await self.raw.fetch(to_dollars(sql), *params))

    async def lock(self, name: str) -> None:
        if self.schema is None:
            await self.raw.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)
        else:
            await self.raw.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", name, self.schema
            )


_JSON_FIELD = re.compile(r"json_extract\(\s*([A-Za-z_][\w.]*)\s*,\s*'\$\.(\w+)'\s*\)")


@functools.lru_cache(maxsize=1024)
def to_dollars(sql: str) -> str:
    """A portable statement in PostgreSQL's words: `?` → `$n` (never inside a
    quoted string or name), `json_extract(c, '$.k')` → `(c::jsonb ->> 'k')`."""
    sql = _JSON_FIELD.sub(r"(\1::jsonb ->> '\2')", sql)
    out: list[str] = []
    n = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


class Untranslatable(ValueError):
    """A migration's SQLite text has no automatic PostgreSQL translation."""


_TRIGGER = re.compile(
    r"CREATE\s+TRIGGER\s+(?P<name>\w+)\s+(?P<when>BEFORE|AFTER)\s+(?P<op>INSERT|UPDATE|DELETE)"
    r"\s+ON\s+(?P<table>\w+)\s+BEGIN\s+SELECT\s+RAISE\s*\(\s*(?:ABORT|FAIL|ROLLBACK)\s*,\s*"
    r"'(?P<message>[^']*)'\s*\)\s*;\s*END\s*;",
    re.IGNORECASE,
)
# A type is a word after a column's name and before its constraints (so a column
# called "text" keeps its name).
_AFTER_TYPE = r"(?=\s*(?:,|\)|;|$|NOT\b|NULL\b|DEFAULT\b|PRIMARY\b|UNIQUE\b|CHECK\b|REFERENCES\b))"
_TYPES = [
    (
        re.compile(r"(\w\s+)INTEGER\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?\b", re.IGNORECASE),
        r"\1BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"(\w\s+)INTEGER\b" + _AFTER_TYPE, re.IGNORECASE | re.M), r"\1BIGINT"),
    (re.compile(r"(\w\s+)REAL\b" + _AFTER_TYPE, re.IGNORECASE | re.M), r"\1DOUBLE PRECISION"),
    (re.compile(r"(\w\s+)BLOB\b" + _AFTER_TYPE, re.IGNORECASE | re.M), r"\1BYTEA"),
    # Not in a CAST(… AS TEXT): a collation belongs to a column, not to a cast.
    (
        re.compile(r"(\w\s+)TEXT\b(?!\s*\))" + _AFTER_TYPE, re.IGNORECASE | re.M),
        r'\1TEXT COLLATE "C"',
    ),
    (re.compile(r"\bAS\s+INTEGER\s*\)", re.IGNORECASE), "AS BIGINT)"),
]
_SQLITE_ONLY = re.compile(
    r"\b(PRAGMA|INSERT\s+OR|REPLACE\s+INTO|CREATE\s+TRIGGER\b[^;]*\bBEGIN\b|WITHOUT\s+ROWID|"
    r"CREATE\s+VIRTUAL|json_each|strftime|datetime\s*\()",
    re.IGNORECASE,
)


def to_postgres(version: int, sql: str) -> str:
    """One migration's SQLite text in PostgreSQL's words (see the module's
    docstring); Untranslatable names what it could not translate."""
    if version in POSTGRES_OVERRIDES:
        return POSTGRES_OVERRIDES[version]
    sql = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    sql = _TRIGGER.sub(_trigger, sql)
    pieces = sql.split("'")  # even pieces are outside string literals
    for i in range(0, len(pieces), 2):
        for pattern, replacement in _TYPES:
            pieces[i] = pattern.sub(replacement, pieces[i])
        found = _SQLITE_ONLY.search(pieces[i])
        if found:
            raise Untranslatable(
                f"migration {version}: {found.group(0)!r} has no automatic PostgreSQL "
                "translation; give it one in bot/migrations.py POSTGRES_OVERRIDES"
            )
    return "'".join(pieces)


def _trigger(match: re.Match[str]) -> str:
    name, message = match["name"], match["message"].replace("$", "")
    return (
        f"CREATE FUNCTION {name}_refused() RETURNS trigger LANGUAGE plpgsql AS $body$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END $body$;\n"
        f"CREATE TRIGGER {name} {match['when']} {match['op']} ON {match['table']} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_refused();"
    )


def is_postgres_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """The URL without its password, to be named in a message or a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


class PostgresStore(Store):
    kind = "postgresql"

    def __init__(
        self, url: str, *, pool_size: int = 10, schema: str | None = None, estate_id: str = ""
    ) -> None:
        super().__init__()
        if schema is not None and not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"not a schema name estate-desk makes: {schema!r}")
        self.url = url
        self.schema = schema
        self.estate_id = estate_id
        self.where = safe_url(url) + (f" (schema {schema})" if schema else "")
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    async def open(self) -> Self:
        """Connect, migrate and check the database takes writes; a database that
        cannot be used raises StoreError naming it (its password left out)."""
        if self._pool is not None:
            return self
        try:
            settings = {"search_path": self.schema} if self.schema else None
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                timeout=10,
                server_settings=settings,
            )
            async with self.pool.acquire() as raw:
                await self._migrate(raw)
                # A user that may read but not write (or a read-only standby)
                # is found now, not at the first filing: a row written and rolled back.
                probe = raw.transaction()
                await probe.start()
                try:
                    await raw.execute("INSERT INTO schema_migrations VALUES (-1, 'probe')")
                finally:
                    await probe.rollback()
        except StoreError:
            await self.close()
            raise
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            await self.close()
            raise StoreError(self._explain(error)) from error
        return self

    def _explain(self, error: BaseException) -> str:
        if isinstance(error, asyncpg.InvalidCatalogNameError):
            return f"{self.where}: no such database on the server ({error})"
        refused = asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
        if isinstance(error, refused):
            return f"{self.where}: the server refused the user or password ({error})"
        if isinstance(error, asyncpg.InsufficientPrivilegeError):
            return f"{self.where}: the user may not write these tables ({error})"
        if isinstance(error, asyncpg.ReadOnlySQLTransactionError):
            return f"{self.where}: the server is read-only (a standby?); estate-desk needs to write"
        if isinstance(error, OSError | TimeoutError):
            reason = getattr(error, "strerror", None) or str(error) or "timed out"
            return f"{self.where}: cannot reach the PostgreSQL server: {reason}"
        return f"{self.where}: cannot use the database: {error}"

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            async with self._lock:
                await pool.close()

    async def _migrate(self, raw: Raw) -> None:
        async with raw.transaction():
            # Two instances starting at once: one migrates, the other waits and finds it done.
            await self._take(raw, MIGRATION_LOCK)
            if self.schema is not None:
                await raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            applied = {int(r[0]) for r in await raw.fetch("SELECT version FROM schema_migrations")}
            if applied and max(applied) > LATEST:
                raise too_new(self.where, max(applied), LATEST)
            for version, sql in MIGRATIONS:
                if version in applied:
                    continue
                try:
                    script = to_postgres(version, sql)
                except Untranslatable as error:
                    raise StoreError(f"{self.where}: {error}") from None
                await raw.execute(script)
                await _renumber_identities(raw)
                await raw.execute(
                    "INSERT INTO schema_migrations VALUES ($1, $2)",
                    version,
                    utc_text(datetime.now(UTC)),
                )
            if self.estate_id:
                await _own_rows(raw, self.estate_id)

    async def _take(self, raw: Raw, key: int) -> None:
        """A transaction-level advisory lock: the one-key lock `key` for the one
        estate, or the two-key lock (`key`, the schema) in an estate's own space."""
        if self.schema is None:
            await raw.execute("SELECT pg_advisory_xact_lock($1)", key)
        else:
            await raw.execute(
                "SELECT pg_advisory_xact_lock($1::int, hashtext($2))",
                key & 0x7FFFFFFF,
                self.schema,
            )

    async def schema_version(self) -> int:
        version = await self.pool.fetchval("SELECT max(version) FROM schema_migrations")
        return int(version) if version is not None else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("a transaction cannot be opened inside another one")
        async with self._lock, self.pool.acquire() as raw:
            self._owner = asyncio.current_task()
            try:
                async with raw.transaction():
                    await self._take(raw, WRITER_LOCK)
                    yield Transaction(PostgresConnection(raw, self.schema))
            finally:
                self._owner = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        # No connection held across the caller's awaits: a look-up that opens a
        # transaction meanwhile never waits for a connection another holds.
        yield Transaction(PostgresConnection(self.pool, self.schema))


async def _own_rows(raw: Raw, estate_id: str) -> None:
    """Every table of this estate's schema says whose its rows are: `estate_id`
    defaults to the estate's id, and rows written before that (none, unless the
    schema was filled by hand) are given it. Only what is not so yet is changed."""
    literal = "'" + estate_id.replace("'", "''") + "'"
    rows = await raw.fetch(
        "SELECT table_name, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'estate_id'"
    )
    for table, default in rows:
        if default is not None and default.startswith(literal + "::"):
            continue
        await raw.execute(f'ALTER TABLE "{table}" ALTER COLUMN estate_id SET DEFAULT {literal}')
        # The event log refuses updates (its trigger): it is let through once, for this.
        appended_only = table == "events"
        if appended_only:
            await raw.execute('ALTER TABLE "events" DISABLE TRIGGER USER')
        await raw.execute(f'UPDATE "{table}" SET estate_id = $1 WHERE estate_id <> $1', estate_id)
        if appended_only:
            await raw.execute('ALTER TABLE "events" ENABLE TRIGGER USER')


async def _renumber_identities(raw: Raw) -> None:
    """A migration that copied rows with their ids (SQLite's way of changing a
    column: a new table, the rows copied, renamed) leaves the identity behind
    them: it goes on from the highest id."""
    rows = await raw.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in rows:
        await raw.execute(
            f'SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max("{column}"), 0) + 1, '
            f'false) FROM "{table}"',
            table,
            column,
        )
