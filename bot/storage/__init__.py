"""The storage adapter: one SQLite engine, and a module per group of tables."""

from bot.storage.engine import SchemaTooNew, SqliteStore, SqliteTransaction, StoreError, Write
from bot.storage.outbox import DUE_NOW
from bot.storage.rows import parse_utc, utc_text

__all__ = [
    "DUE_NOW",
    "SchemaTooNew",
    "SqliteStore",
    "SqliteTransaction",
    "StoreError",
    "Write",
    "parse_utc",
    "utc_text",
]
