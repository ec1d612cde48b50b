from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import Estate, running_estate


@pytest.fixture
async def estate(tmp_path: Path) -> AsyncIterator[Estate]:
    async with running_estate(tmp_path) as running:
        yield running
