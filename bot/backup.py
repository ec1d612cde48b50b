"""Backups of the SQLite database: a consistent copy taken while the bot runs.

SQLite's online backup API copies the database page by page under its own
locking, so a copy is whole even while the bot writes (WAL mode). The copy is
written beside its destination under a temporary name, checked with
`PRAGMA integrity_check`, and only then moved into place: a backup that
exists is a backup that opens.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class BackupError(Exception):
    """A backup could not be taken or did not check out; the message says why."""


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    size: int
    schema_version: int


def _schema_version(db: sqlite3.Connection) -> int:
    try:
        row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError:
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def destination(target: Path, now: datetime) -> Path:
    """A folder gets a dated file name inside it; anything else is the file itself."""
    if target.is_dir():
        return target / f"estate-desk-{now:%Y%m%d-%H%M%S}.sqlite3"
    return target


def take_backup(source: Path, target: Path, now: datetime) -> Backup:
    """Copy the database at `source` to `target` (a file, or a folder to put it in)."""
    if not source.is_file():
        raise BackupError(f"{source}: no database there")
    out = destination(target, now)
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such folder")
    partial = out.with_name(out.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.execute("PRAGMA busy_timeout = 10000")
            src.backup(dst)
            verdict = dst.execute("PRAGMA integrity_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise BackupError(f"{out}: the copy failed its integrity check ({verdict})")
            version = _schema_version(dst)
        os.replace(partial, out)
    except sqlite3.Error as error:
        raise BackupError(f"{source} -> {out}: {error}") from error
    except OSError as error:
        raise BackupError(f"{out}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return Backup(out, out.stat().st_size, version)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups in `folder`; returns those deleted."""
    dated = sorted(folder.glob("estate-desk-*.sqlite3"))
    doomed = dated[:-keep] if keep > 0 else dated
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# Tables whose rows are the bookkeeping, not the estate's data.
BOOKKEEPING = frozenset({"schema_migrations", "instance_lease", "sqlite_sequence"})


def has_data(db: sqlite3.Connection) -> bool:
    tables = [
        str(row[0])
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if str(row[0]) not in BOOKKEEPING and not str(row[0]).startswith("sqlite_")
    ]
    return any(db.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in tables)


def before_migrations(source: Path, latest: int, now: datetime) -> Backup | None:
    """Before start-up migrates a database that holds data: a checked copy
    beside it, `<db>.before-v<latest>.sqlite3` (a dated name if that is taken).
    None when there is nothing to keep (no file, no data) or nothing to apply."""
    if not source.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as db:
            version = _schema_version(db)
            if version >= latest or not has_data(db):
                return None
    except sqlite3.Error as error:
        raise BackupError(f"{source}: {error}") from error
    out = source.with_name(f"{source.name}.before-v{latest}.sqlite3")
    if out.exists():  # an earlier attempt's copy is kept as it is
        out = source.with_name(f"{source.name}.before-v{latest}-{now:%Y%m%d-%H%M%S}.sqlite3")
    return take_backup(source, out, now)
