"""What a company of estates holds once for all of them, in the PostgreSQL
schema `company`: who holds the company role (`company_staff`, synced from the
company file's `[company].staff` at start-up; authorization reads it here) and
who serves the deployment (`instance_lease`, one lease for every estate)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Self

import asyncpg

from bot.storage.base import StoreError
from bot.storage.postgres import MIGRATION_LOCK, safe_url
from bot.storage.rows import utc_text

SCHEMA = "company"
HOLDER_TABLE = f"{SCHEMA}.instance_lease"

TABLES = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.company_staff (
    user_id BIGINT PRIMARY KEY,
    added_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE IF NOT EXISTS {HOLDER_TABLE} (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    started_at TEXT COLLATE "C" NOT NULL
);
"""


class CompanyStore:
    """The company's own tables, on a small pool of their own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = safe_url(url) + f" (schema {SCHEMA})"
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> Self:
        if self._pool is not None:
            return self
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=2, timeout=10)
            async with self._pool.acquire() as raw, raw.transaction():
                await raw.execute(
                    "SELECT pg_advisory_xact_lock($1::int, hashtext($2))",
                    MIGRATION_LOCK & 0x7FFFFFFF,
                    SCHEMA,
                )
                await raw.execute(TABLES)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            await self.close()
            raise StoreError(f"{self.where}: cannot use the database: {error}") from error
        return self

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the company store is not open")
        return self._pool

    async def sync_staff(self, user_ids: Iterable[int], now: datetime) -> None:
        """The company role is held by exactly these people from now on."""
        wanted = sorted(set(user_ids))
        async with self.pool.acquire() as raw, raw.transaction():
            await raw.execute(
                f"DELETE FROM {SCHEMA}.company_staff WHERE NOT (user_id = ANY($1::bigint[]))",
                wanted,
            )
            await raw.executemany(
                f"INSERT INTO {SCHEMA}.company_staff VALUES ($1, $2) "
                "ON CONFLICT (user_id) DO NOTHING",
                [(user_id, utc_text(now)) for user_id in wanted],
            )

    async def is_staff(self, user_id: int) -> bool:
        found = await self.pool.fetchval(
            f"SELECT 1 FROM {SCHEMA}.company_staff WHERE user_id = $1", user_id
        )
        return found is not None

    async def staff(self) -> list[int]:
        rows = await self.pool.fetch(f"SELECT user_id FROM {SCHEMA}.company_staff ORDER BY 1")
        return [int(r[0]) for r in rows]

    async def record_holder(self, host: str, pid: int, now: datetime) -> None:
        await self.pool.execute(
            f"INSERT INTO {HOLDER_TABLE} VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE "
            "SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at",
            host,
            pid,
            utc_text(now),
        )
