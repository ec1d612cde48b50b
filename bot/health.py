"""The running bot's health, for /health (handlers.context.Health)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.daily_backup import latest_backup
from bot.doctor import _read, read_postgres
from bot.settings import Settings
from bot.storage import PostgresStore, Store
from handlers.context import HealthSnapshot
from workflow.clock import Clock
from workflow.estate import EstateConfig
from workflow.reach import rungs_in_use, unreachable
from workflow.roles import Role

_ORDER = list(Role)


def release() -> str:
    try:
        return version("estate-desk")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def _size(path: Path) -> int:
    """The database's bytes on disk, its write-ahead log included."""
    files = (path, path.with_name(path.name + "-wal"))
    return sum(f.stat().st_size for f in files if f.is_file())


class BotHealth:
    def __init__(
        self, settings: Settings, estate: EstateConfig, store: Store, clock: Clock
    ) -> None:
        self.settings, self.estate, self.store, self.clock = settings, estate, store, clock
        self.started_at = clock.now()
        self.last_update_at: datetime | None = None

    def update_received(self) -> None:
        self.last_update_at = self.clock.now()

    async def snapshot(self) -> HealthSnapshot:
        async with self.store.reading() as tx:
            cases = await tx.open_cases(limit=1_000_000)
            waiting = (await tx.outbox_counts()).get("pending", 0)
        by_rung = Counter(case.rung for case in cases)
        path = self.settings.sqlite_path
        if path is None:
            # An estate of a company reads its own schema.
            schema = self.store.schema if isinstance(self.store, PostgresStore) else None
            stored, size = await read_postgres(str(self.settings.postgres_url), schema)
        else:
            stored = await asyncio.to_thread(_read, path)
            size = await asyncio.to_thread(_size, path)
        gaps = unreachable(rungs_in_use(self.estate.routing_table()), stored.groups, stored.held)
        backup = await asyncio.to_thread(latest_backup, self.settings.backup_dir)
        return HealthSnapshot(
            version=release(),
            started_at=self.started_at,
            last_update_at=self.last_update_at,
            database_bytes=size,
            open_by_rung={role: by_rung[role] for role in _ORDER if by_rung[role]},
            outbox_waiting=waiting,
            unreachable=gaps,
            last_backup=None if backup is None else (backup[0].name, backup[1]),
        )
