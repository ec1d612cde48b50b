"""Guards' duty, checkpoint scans and the shift log."""

from __future__ import annotations

from datetime import datetime

from bot.storage.rows import Rows, parse_utc, utc_text
from workflow.roster import DutyRow, Scan


class DutyTables(Rows):
    async def set_duty(self, user_id: int, on_duty: bool, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO duty (user_id, on_duty, since) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET on_duty = excluded.on_duty, "
            "since = excluded.since",
            (user_id, int(on_duty), utc_text(now)),
        )

    async def duty_rows(self) -> list[DutyRow]:
        rows = await self._all("SELECT user_id, on_duty, since FROM duty")
        return [DutyRow(int(r[0]), bool(r[1]), parse_utc(r[2])) for r in rows]

    async def add_scan(self, checkpoint: str, user_id: int, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO scans (checkpoint, user_id, at) VALUES (?, ?, ?)",
            (checkpoint, user_id, utc_text(at)),
        )

    async def scans_since(self, since: datetime) -> list[Scan]:
        rows = await self._all(
            "SELECT checkpoint, user_id, at FROM scans WHERE at >= ? ORDER BY at",
            (utc_text(since),),
        )
        return [Scan(r[0], int(r[1]), parse_utc(r[2])) for r in rows]

    async def add_note(self, user_id: int, text: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO shift_notes (user_id, text, at) VALUES (?, ?, ?)",
            (user_id, text, utc_text(at)),
        )

    async def notes_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[int, str, datetime]]:
        rows = await self._all(
            "SELECT user_id, text, at FROM shift_notes WHERE at >= ? AND at < ? ORDER BY at",
            (utc_text(start), utc_text(end)),
        )
        return [(int(r[0]), r[1], parse_utc(r[2])) for r in rows]
