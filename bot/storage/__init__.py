"""The storage adapter: two engines (SQLite, embedded; PostgreSQL, a server)
behind one `Store`, and a module per group of tables."""

from pathlib import Path

from bot.storage.base import SchemaTooNew, Store, StoreError, Transaction, Write
from bot.storage.engine import SqliteStore, SqliteTransaction
from bot.storage.outbox import DUE_NOW
from bot.storage.postgres import PostgresStore, is_postgres_url
from bot.storage.rows import parse_utc, utc_text


def store_at(where: str | Path) -> Store:
    """The store for a postgresql:// URL, or for a SQLite file's path."""
    if isinstance(where, str) and is_postgres_url(where):
        return PostgresStore(where)
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
