"""What both engines share: the unit of work over every group of tables, the
errors, and the batching of small writes. `SqliteStore` (bot/storage/engine.py)
and `PostgresStore` (bot/storage/postgres.py) are the two `Store`s."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Self

from bot.storage.bulletins import BulletinTables, IncidentTables
from bot.storage.cards import CardTables
from bot.storage.cases import CaseTables
from bot.storage.duty import DutyTables
from bot.storage.outbox import OutboxTables
from bot.storage.people import PeopleTables
from bot.storage.ptb_state import StateTables
from bot.storage.surveys import SurveyTables


class Transaction(
    CaseTables,
    OutboxTables,
    PeopleTables,
    CardTables,
    DutyTables,
    StateTables,
    BulletinTables,
    IncidentTables,
    SurveyTables,
):
    """One unit of work over every group of tables."""


Write = Callable[[Transaction], Awaitable[None]]


class StoreError(Exception):
    """The database cannot be used as it is; the message names it and why."""


class SchemaTooNew(StoreError):
    """The database was written by a newer release."""


def too_new(where: str, version: int, latest: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"{where}: database is version {version}, this release knows up to "
        f"{latest}; it was written by a newer release of estate-desk (run that one, "
        "or restore a backup taken before the upgrade)"
    )


class Store:
    """The port the services see: a unit of work (`transaction`), look-ups
    (`reading`), batched small writes (`write_soon`)."""

    kind = "store"

    def __init__(self) -> None:
        self._batch: list[tuple[Write, asyncio.Future[None]]] = []
        self._batch_lock = asyncio.Lock()

    async def open(self) -> Self:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One command's writes, all committed or none."""
        raise NotImplementedError

    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        """Look-ups that need no write: they never queue behind a transaction and
        always see what was last committed. Not for reading back what the
        caller's own open transaction wrote."""
        raise NotImplementedError

    async def schema_version(self) -> int:
        raise NotImplementedError

    async def record_holder(self, host: str, pid: int, now: datetime) -> None:
        """Who holds the database now (see bot/storage/lease.py)."""
        from bot.storage.rows import utc_text

        async with self.transaction() as tx:
            await tx.db.execute(
                "INSERT INTO instance_lease (id, host, pid, started_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, "
                "started_at = excluded.started_at",
                (host, pid, utc_text(now)),
            )

    async def write_soon(self, write: Write) -> None:
        """A small write that needs no answer (a delivery's outcome, a
        conversation's state), committed together with whatever other such
        writes are queued: one transaction instead of one each, so a burst's
        hundreds of them stop queueing for the write lock. Returns once this
        write is committed; raises if its batch failed."""
        done = asyncio.get_running_loop().create_future()
        self._batch.append((write, done))
        async with self._batch_lock:
            if not done.done():
                batch, self._batch = self._batch, []
                # Shielded: a cancelled caller must not cut the batch off half-way.
                await asyncio.shield(self._write_batch(batch))
        await done

    async def _write_batch(self, batch: list[tuple[Write, asyncio.Future[None]]]) -> None:
        try:
            async with self.transaction() as tx:
                for write, _ in batch:
                    await write(tx)
        except Exception as error:
            for _, done in batch:
                done.set_exception(error)
        else:
            for _, done in batch:
                done.set_result(None)
