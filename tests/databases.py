"""Which engine the suite's storage tests run on, and a fresh database per test.

`TEST_DATABASE_URL=postgresql://…` (a throw-away database on a PostgreSQL
server, as `.ci/run` and `make test-pg` make) runs the tests marked `engines`
on PostgreSQL: each test gets a database of its own, copied from a template
migrated once per run (`CREATE DATABASE … TEMPLATE`, a few tens of ms), and
dropped afterwards. Unset: SQLite, a file in the test's tmp_path.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage import PostgresStore

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgresql://", "postgres://"))

_counter = itertools.count(1)
_template: str | None = None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _base_name() -> str:
    run = urlsplit(TEST_DATABASE_URL).path.strip("/") or "estate_desk_test"
    return f"{run}_{os.getpid()}"


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(TEST_DATABASE_URL, timeout=10)


async def _ensure_template() -> str:
    global _template
    if _template is None:
        name = f"{_base_name()}_template"
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        async with PostgresStore(_with_database(TEST_DATABASE_URL, name), pool_size=1):
            pass  # migrated: every test's copy starts at the latest schema
        _template = name
    return _template


async def fresh_database() -> str:
    """A new, migrated, empty PostgreSQL database; its URL."""
    template = await _ensure_template()
    name = f"{_base_name()}_{next(_counter)}"
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    return _with_database(TEST_DATABASE_URL, name)


async def drop_database(url: str) -> None:
    name = urlsplit(url).path.strip("/")
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def drop_template() -> None:
    global _template
    if _template is None:
        return
    name, _template = _template, None

    async def drop() -> None:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


async def database_for(tmp_path: Path) -> str | Path:
    """Where a test's database lives: a fresh PostgreSQL database when the suite
    runs on PostgreSQL, else a SQLite file in the test's folder."""
    if ON_POSTGRES:
        return await fresh_database()
    return tmp_path / "desk.sqlite3"


async def forget(database: str | Path) -> None:
    if isinstance(database, str):
        await drop_database(database)


def database_setting(database: str | Path) -> dict[str, str | Path]:
    """The Settings field that points the bot at this database."""
    if isinstance(database, str):
        return {"database_url": database}
    return {"database_path": database}
