"""The courier's circuit breaker: while delivery's bookkeeping cannot be
written (a full disk, a database locked past its busy timeout, a read-only
file), nothing more is sent.

A message Telegram took is only finished once its outcome is stored; if that
write fails, the outbox row still says "pending" and every later round would
send it again (the same confirmation six times in 45 seconds). So the first
failed write opens the breaker:

- the write is kept in memory (with every bookkeeping write after it), so the
  message is never sent again: `holds` names the rows the courier must skip;
- the courier sends nothing while it is open (`ready` is False);
- the log is told once, at ERROR;
- a probe replays the kept writes with back-off (1 s, 2 s, 5 s … a minute); once
  they commit, the breaker closes, the log says so, `on_recovered` is told (the
  bot tells the admins, through the outbox, now that it takes writes again),
  and delivery carries on where it stopped.

What is kept is lost if the process dies while the breaker is open: those
messages are then sent once more after the restart (at least once, as a
timed-out send is).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from delivery.ports import DeliveryStore, Write
from workflow.clock import Clock, SystemClock

log = logging.getLogger(__name__)

PROBE_DELAYS: tuple[float, ...] = (1, 2, 5, 10, 30, 60)
# How long rows recorded by a probe are still skipped: a round that read them
# just before the probe committed must not send them again.
REMEMBER_RECORDED = 300.0


@dataclass(frozen=True)
class Outage:
    since: datetime
    until: datetime
    error: str  # the first failure, as the database said it
    held: int  # bookkeeping writes kept in memory and recorded at the end


class Breaker:
    def __init__(
        self,
        store: DeliveryStore,
        wall: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.wall = wall or SystemClock()
        self.monotonic = monotonic
        self.probe_delays = PROBE_DELAYS
        self.on_recovered: Callable[[Outage], Awaitable[None]] | None = None
        self._kept: list[tuple[int | None, bool, Write]] = []
        self._recorded: dict[int, float] = {}
        self._error: str | None = None
        self._since: datetime | None = None
        self._probe_at = 0.0
        self._probes = 0

    @property
    def is_open(self) -> bool:
        return self._error is not None

    def holds(self, item_id: int) -> bool:
        """Whether this outbox row's outcome is kept here (or was just recorded
        by a probe): it was delivered, and must not be sent again."""
        if any(key == item_id for key, _, _ in self._kept):
            return True
        cutoff = self.monotonic() - REMEMBER_RECORDED
        self._recorded = {i: at for i, at in self._recorded.items() if at > cutoff}
        return item_id in self._recorded

    async def keep(self, write: Write, item_id: int | None = None, done: bool = False) -> None:
        """Store one bookkeeping write about outbox row `item_id` (`done`: it
        finishes the row); if the store cannot take it, keep it and open the
        breaker. Never raises for the store's sake: the caller carries on with
        what it already sent, and sends nothing more once `is_open`."""
        if self.is_open:
            self._kept.append((item_id, done, write))
            return
        try:
            await self.store.write_soon(write)
        except Exception as error:
            self._kept.append((item_id, done, write))
            self._trip(error)

    def _trip(self, error: Exception) -> None:
        self._error = f"{type(error).__name__}: {error}"
        self._since = self.wall.now()
        self._probes = 0
        self._probe_at = self.monotonic() + self.probe_delays[0]
        log.error(
            "delivery paused: a delivered message's outcome could not be recorded (%s); "
            "nothing more is sent until the database takes writes again, then what is "
            "held is recorded first (probing with back-off)",
            self._error,
        )

    async def ready(self) -> bool:
        """Whether the courier may send: closed, or a probe due now recorded
        everything kept."""
        if not self.is_open:
            return True
        if self.monotonic() < self._probe_at:
            return False
        kept = list(self._kept)
        try:
            async with self.store.transaction() as tx:
                for _, _, write in kept:
                    await write(tx)
        except Exception as error:
            self._probes += 1
            delay = self.probe_delays[min(self._probes, len(self.probe_delays) - 1)]
            self._probe_at = self.monotonic() + delay
            log.debug(
                "delivery still paused (%s: %s); next probe in %ss", type(error), error, delay
            )
            return False
        now = self.monotonic()
        self._recorded.update({key: now for key, done, _ in kept if key is not None and done})
        del self._kept[: len(kept)]
        assert self._since is not None
        assert self._error is not None
        outage = Outage(self._since, self.wall.now(), self._error, len(kept))
        self._error = self._since = None
        log.warning(
            "delivery resumed: the database takes writes again; %d held outcome(s) recorded "
            "after %.0f s",
            outage.held,
            (outage.until - outage.since).total_seconds(),
        )
        if self.on_recovered is not None:
            try:
                await self.on_recovered(outage)
            except Exception:
                log.exception("could not tell the admins that delivery resumed")
        return True
