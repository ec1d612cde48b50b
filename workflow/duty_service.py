"""Guards' duty, checkpoint scans and the shift log, as the shell uses them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow import roster
from workflow.clock import Clock
from workflow.estate import EstateConfig
from workflow.model import Case
from workflow.ports import ShellStore
from workflow.roster import Scan


@dataclass(frozen=True)
class ShiftRecord:
    """What happened during one shift, for its handover."""

    cases_filed: list[Case]
    open_cases: list[Case]
    notes: list[tuple[int, str, datetime]]
    scans: list[Scan]
    names: dict[int, str]


class Duty:
    def __init__(self, store: ShellStore, clock: Clock, estate: EstateConfig) -> None:
        self.store = store
        self.clock = clock
        self.estate = estate

    async def set(self, user_id: int, on_duty: bool) -> None:
        async with self.store.transaction() as tx:
            await tx.set_duty(user_id, on_duty, self.clock.now())

    async def on_duty(self) -> dict[int, datetime]:
        """The guards on duty now, and since when."""
        async with self.store.reading() as tx:
            rows = await tx.duty_rows()
        return roster.on_duty(self.estate, rows, self.clock.now())

    async def scan(self, checkpoint: str, user_id: int) -> datetime:
        """Log a checkpoint scan; when it was logged."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            await tx.add_scan(checkpoint, user_id, now)
        return now

    async def scans_since(self, since: datetime) -> tuple[list[Scan], dict[int, str]]:
        """The scans since then, and the names of the guards who made them."""
        async with self.store.reading() as tx:
            scans = await tx.scans_since(since)
            names = {
                uid: p.name
                for uid in {x.user_id for x in scans}
                if (p := await tx.person(uid)) is not None
            }
        return scans, names

    async def add_note(self, user_id: int, text: str) -> None:
        async with self.store.transaction() as tx:
            await tx.add_note(user_id, text, self.clock.now())

    async def shift_record(self, start: datetime, end: datetime) -> ShiftRecord:
        async with self.store.reading() as tx:
            cases = await tx.cases_created_between(start, end)
            open_cases = await tx.open_cases()
            notes = await tx.notes_between(start, end)
            scans = await tx.scans_since(start)
            names = {uid: p.name for uid, _, _ in notes if (p := await tx.person(uid))}
        return ShiftRecord(cases, open_cases, notes, scans, names)
