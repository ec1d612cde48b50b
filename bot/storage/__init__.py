"""The storage adapter: two engines (SQLite, embedded; PostgreSQL, a server)
behind one `Store`, and a module per group of tables."""

from pathlib import Path

from bot.storage.base import SchemaTooNew, Store, StoreError, Transaction, Write
from bot.storage.engine import SqliteStore, SqliteTransaction
from bot.storage.outbox import DUE_NOW
from bot.storage.postgres import PostgresStore, is_postgres_url
from bot.storage.rows import parse_utc, utc_text


def store_at(
    where: str | Path, *, schema: str | None = None, estate_id: str = "", pool_size: int = 10
) -> Store:
    """The store for a postgresql:// URL (an estate of a company: in its own
    `schema`, its rows carrying `estate_id`), or for a SQLite file's path (one
    estate: no schema)."""
    if isinstance(where, str) and is_postgres_url(where):
        return PostgresStore(where, schema=schema, estate_id=estate_id, pool_size=pool_size)
    if schema is not None:
        raise ValueError("several estates in one database need PostgreSQL")
    return SqliteStore(where)


__all__ = [
    "DUE_NOW",
    "PostgresStore",
    "SchemaTooNew",
    "SqliteStore",
    "SqliteTransaction",
    "Store",
    "StoreError",
    "Transaction",
    "Write",
    "parse_utc",
    "store_at",
    "utc_text",
]
