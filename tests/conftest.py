from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import SqliteStore
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
