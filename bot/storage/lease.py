"""One instance per database: a lease taken at start-up and held until exit.

Two bots on one database split Telegram's updates between them, each with its
own conversation state, and both fight over getUpdates (409 Conflict). So
`python -m bot` takes the database's lease before anything else, and a second
instance stops at once, naming the holder.

`Lease` is the port; `SqliteFileLease` is SQLite's: an exclusive `flock` on the
database file itself (SQLite locks byte ranges with `fcntl`, which `flock`
never touches on Linux), released by the kernel when the process ends however
it ends, so a SIGKILLed bot restarts at once with no stale lease to wait out.
The holder's host and pid are recorded in the `instance_lease` row, only to be
named. A PostgreSQL store would take `pg_try_advisory_lock` on a connection it
keeps open, and name the holder from the same row.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sqlite3
from pathlib import Path
from typing import Protocol


class LeaseHeld(Exception):
    """Another instance holds the database."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(
            f"{path} is in use by another instance ({holder}); stop that one first, "
            "or give this one its own DATABASE_PATH"
        )
        self.holder = holder


class Lease(Protocol):
    def acquire(self) -> None:
        """Take the lease, or raise LeaseHeld naming who holds it."""
        ...

    def release(self) -> None: ...


def holder_here() -> tuple[str, int]:
    return socket.gethostname(), os.getpid()


class SqliteFileLease:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            return  # the store's own open names what is wrong with the file
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LeaseHeld(self.path, self._holder()) from None
        self._fd = fd

    def release(self) -> None:
        """Only once the store is closed: closing a descriptor of the database
        file drops the process's SQLite locks on it."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _holder(self) -> str:
        try:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1)) as db:
                row = db.execute("SELECT host, pid, started_at FROM instance_lease").fetchone()
        except sqlite3.Error:
            row = None
        if row is None:
            return "a process that has not said who it is yet"
        host, pid, since = row
        return f"pid {pid} on {host}, since {since}"
