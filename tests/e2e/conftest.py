from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import Estate, running_estate

# The end-to-end tests that also run on PostgreSQL (`make test-pg`): those that
# exercise storage (filing, escalation and the sweep, the outbox across a crash
# and a take-over, notices, incidents, reports). The rest (the Telegram side,
# SQLite's own file, backup and locks) run on SQLite only, to keep the second
# pass within a few minutes.
ON_BOTH_ENGINES = {
    "test_repair_loop",
    "test_staff",
    "test_burst",
    "test_repeats",
    "test_notices",
    "test_notice_crash",
    "test_incidents",
    "test_reports",
    "test_residents",
    "test_clock_step",
    "test_unseen_rungs",
    "test_standby",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name == "e2e" and item.path.stem in ON_BOTH_ENGINES:
            item.add_marker(pytest.mark.engines)


@pytest.fixture
async def estate(tmp_path: Path) -> AsyncIterator[Estate]:
    async with running_estate(tmp_path) as running:
        yield running
