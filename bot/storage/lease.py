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
named. `PostgresLease` is PostgreSQL's: `pg_try_advisory_lock` on a
connection it keeps open, the holder named from the same row; there a second
instance may also wait as a standby and take over when the leader ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import queue
import socket
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)


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


KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}
PROBE_TIMEOUT = 8.0  # seconds; the server's keepalives give up after 10 + 5 x 3


class PostgresLease:
    """PostgreSQL's lease: a session advisory lock (`pg_try_advisory_lock`) on a
    connection of its own, held by a thread with its own event loop for as long
    as the process serves (the bot's start-up runs several event loops one after
    the other; the lease outlives them all). The server drops the lock when the
    connection ends, however the process ended.

    `wait=True` makes a standby: it blocks until the leader's lock is gone, then
    takes it and serves. Losing the lease's connection while serving (a network
    cut, the server restarted) means another instance may take over, so
    `on_lost` is called: the bot stops rather than serve beside the new leader."""

    def __init__(
        self,
        url: str,
        *,
        wait: bool = False,
        on_lost: Callable[[], None] | None = None,
        poll_seconds: float = 1.0,
        holder_table: str = "instance_lease",
    ) -> None:
        self.url = url
        self.holder_table = holder_table  # a company's is company.instance_lease
        self.wait = wait
        self.on_lost = on_lost
        self.poll_seconds = poll_seconds
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._released = False

    def acquire(self) -> None:
        if self._thread is not None:
            return
        ready: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._hold(ready)), name="lease", daemon=True
        )
        self._thread.start()
        outcome = ready.get()
        if outcome is not None:
            self._thread.join()
            self._thread = None
            raise outcome

    async def _hold(self, ready: queue.Queue[BaseException | None]) -> None:
        import asyncpg

        from bot.storage.postgres import LEASE_LOCK, safe_url

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        where = safe_url(self.url)
        try:
            # A machine that vanishes from the network (no crash, no FIN) is found
            # by the server's keepalives in about 25 s, and only then is its lock
            # dropped; this side's probe gives up sooner (PROBE_TIMEOUT), so a
            # cut-off leader has stopped before a standby can take over.
            db = await asyncpg.connect(self.url, timeout=10, server_settings=KEEPALIVES)
        except (asyncpg.PostgresError, OSError, TimeoutError) as error:
            ready.put(LeaseUnavailable(f"{where}: cannot take the lease: {error or 'timed out'}"))
            return
        try:
            told = False
            while not await db.fetchval("SELECT pg_try_advisory_lock($1)", LEASE_LOCK):
                if not self.wait:
                    ready.put(LeaseHeld(Path(where), await _pg_holder(db, self.holder_table)))
                    return
                if not told:
                    log.warning(
                        "standby: %s is served by %s; waiting to take over",
                        where,
                        await _pg_holder(db, self.holder_table),
                    )
                    told = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.poll_seconds)
                if self._stop.is_set():
                    ready.put(LeaseUnavailable("stopped while waiting as a standby"))
                    return
            if told:
                log.warning("standby: the lease is free; this instance serves %s now", where)
            ready.put(None)
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.poll_seconds)
                if self._stop.is_set():
                    break
                try:
                    await asyncio.wait_for(db.fetchval("SELECT 1"), PROBE_TIMEOUT)
                except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                    log.error("the lease's connection to %s is lost; stopping", where)
                    if self.on_lost is not None:
                        self.on_lost()
                    return
        finally:
            with contextlib.suppress(Exception):
                await db.close()

    def release(self) -> None:
        if self._thread is None or self._loop is None or self._stop is None:
            return
        stop = self._stop
        with contextlib.suppress(RuntimeError):  # the thread's loop already ended
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout=15)
        self._thread = None


class LeaseUnavailable(Exception):
    """The lease could not be taken (the server unreachable, or stopped while waiting)."""


async def _pg_holder(db: Any, table: str = "instance_lease") -> str:
    try:
        row = await db.fetchrow(f"SELECT host, pid, started_at FROM {table}")
    except Exception:  # no table yet: the holder is still starting
        row = None
    if row is None:
        return "a process that has not said who it is yet"
    return f"pid {row['pid']} on {row['host']}, since {row['started_at']}"
