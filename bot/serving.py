"""What `python -m bot` does the same way for one estate and for a company of
them: how it stops with a message, how it stops when its lease is lost, and
how it takes the lease (or waits for it as a standby)."""

from __future__ import annotations

import os
import signal
import sys

from bot.storage.lease import Lease, LeaseHeld, LeaseUnavailable


def fail(message: str, code: int = 2) -> int:
    """Say why on stderr; the exit code to return."""
    print(f"estate-desk: {message}", file=sys.stderr)
    return code


def stop_serving() -> None:
    """The lease is lost: stop as if told to (the applications shut down in order)."""
    os.kill(os.getpid(), signal.SIGTERM)


def take_lease(lease: Lease) -> int | None:
    """Hold `lease` (waiting as a standby if it is set to); the exit code if it
    could not be taken, None once it is held."""
    try:
        lease.acquire()
    except LeaseHeld as exc:
        return fail(str(exc), code=3)
    except LeaseUnavailable as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("stopped while waiting as a standby", 130)
    return None
