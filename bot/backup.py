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
