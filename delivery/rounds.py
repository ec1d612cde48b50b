"""Work done in rounds by a background task: the courier, the notices' sender
and the surveys' sender each run a round at once, then again when something
wakes them (a new outbox row) or after a quiet while, whichever comes first.
A round that fails is logged and the next one tries again; stopping cancels
the task and waits for it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from typing import ClassVar

log = logging.getLogger(__name__)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has ended."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Rounds(ABC):
    # The task's name (as logs and asyncio name it) and the longest wait between rounds.
    task_name: ClassVar[str]
    idle_wait: ClassVar[float]

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    async def flush(self) -> int:
        """One round: handle everything due now; how many were handled."""

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task)

    async def _run(self) -> None:
        while True:
            try:
                await self.flush()
            except Exception:
                log.exception("the %s failed a round; it will try again", self.task_name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.idle_wait)
            self._wake.clear()
