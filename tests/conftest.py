from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import SqliteStore, Store, store_at
from tests.databases import ON_POSTGRES, TEST_DATABASE_URL, database_for, drop_template, forget
from tests.fakes import MemoryStore
from tests.helpers import DeskDriver
from workflow.clock import FakeClock
from workflow.policy import Policy
from workflow.service import Desk

# A Monday morning in Hong Kong (01:00 UTC is 09:00 HKT).
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def desk(memory_store: MemoryStore, policy: Policy, clock: FakeClock) -> DeskDriver:
    return DeskDriver(Desk(memory_store, policy, clock), clock)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "desk.sqlite3")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[str | Path]:
    """This test's database: a SQLite file, or (TEST_DATABASE_URL) a fresh
    PostgreSQL database, dropped afterwards. Open it with `store_at`."""
    where = await database_for(tmp_path)
    yield where
    await forget(where)


@pytest.fixture
async def store(database: str | Path) -> AsyncIterator[Store]:
    """An open store on this test's database, on whichever engine the run uses."""
    opened = await store_at(database).open()
    yield opened
    await opened.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if ON_POSTGRES:
        drop_template()


def pytest_report_header() -> str:
    if ON_POSTGRES:
        return f"storage tests on PostgreSQL: {TEST_DATABASE_URL}"
    return "storage tests on SQLite (TEST_DATABASE_URL=postgresql://… for PostgreSQL)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A skipped browser test is said out loud, not hidden among the dots."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    terminalreporter.write_sep(
        "!",
        "Chromium is not installed: the playground's browser test was SKIPPED "
        "(make deps, or apt-get install chromium)",
        red=True,
        bold=True,
    )


# Tests that hold real time against real-time limits (a kill in a burst, Telegram's
# strict pacing, a whole day in its own process). `make test` runs the suite in
# parallel workers (pytest-xdist, --dist loadgroup); these share one worker, one
# after another, so they never load each other and read as slowness.
REAL_TIME = {
    "test_crash.py",
    "test_burst.py",
    "test_notice_crash.py",
    "test_whole_day.py",
    "test_standby.py",
    "test_survey_crash.py",
    "test_delivery.py::test_a_flood_under_telegrams_strict_limits",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = f"{item.path.name}::{item.name}"
        if any(where.startswith(name) for name in REAL_TIME):
            item.add_marker(pytest.mark.xdist_group("real-time"))
