"""What every group of tables shares: the connection port both engines
implement, the time format, and two small query helpers.

The table modules write one set of SQL for both engines: qmark placeholders
(`?`), rows read by position or by name, ids handed back with `RETURNING`, and
only what SQLite and PostgreSQL both understand (`ON CONFLICT … DO UPDATE`,
not `INSERT OR REPLACE`). The PostgreSQL connection turns `?` into `$1, $2 …`
and `json_extract(column, '$.key')` into `column::jsonb ->> 'key'`
(bot/storage/postgres.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol


def utc_text(when: datetime) -> str:
    """Fixed-width UTC text, so SQL can compare times as strings."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Row(Protocol):
    """One row: by position (`row[0]`), by name (`row["id"]`), unpacked as a
    tuple, or `dict(row)`."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> Iterable[str]: ...


class Connection(Protocol):
    """The port one unit of work runs on (SQLite's or PostgreSQL's)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def lock(self, name: str) -> None:
        """Hold a named lock until this transaction ends: several instances on one
        PostgreSQL database take turns; SQLite has one writer at a time anyway."""
        ...


class Rows:
    """The connection one unit of work runs on."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self.db.fetchone(sql, params)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.db.fetchall(sql, params)
