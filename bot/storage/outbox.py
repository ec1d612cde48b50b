"""The outbox: notifications kept with the transaction that caused them, until delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter

from bot.storage.rows import Row, Rows, utc_text
from delivery.records import NoticeItem, OutboxItem
from workflow.notifications import Notice, Notification

DUE_NOW = "0001-01-01T00:00:00.000000Z"  # a new notification is due at once
_NOTIFICATION = TypeAdapter(Notification)


class OutboxTables(Rows):
    async def enqueue(self, notifications: Sequence[Notification], now: datetime) -> None:
        stamp = utc_text(now)
        await self.db.executemany(
            "INSERT INTO outbox (case_id, body, created_at, next_try_at) VALUES (?, ?, ?, ?)",
            [
                (n.case_id, _NOTIFICATION.dump_json(n).decode(), stamp, DUE_NOW)
                for n in notifications
            ],
        )

    async def enqueue_notices(self, notices: Sequence[Notice], now: datetime) -> None:
        """Notices that belong to no case, delivered once this transaction commits."""
        stamp = utc_text(now)
        await self.db.executemany(
            "INSERT INTO outbox (case_id, body, created_at, next_try_at) VALUES (NULL, ?, ?, ?)",
            [(n.model_dump_json(), stamp, DUE_NOW) for n in notices],
        )

    async def pending_notices(self, now: datetime, limit: int) -> list[NoticeItem]:
        rows = await self._all(
            "SELECT id, attempts, body FROM outbox WHERE case_id IS NULL AND done_at IS NULL "
            "AND next_try_at <= ? ORDER BY id LIMIT ?",
            (utc_text(now), limit),
        )
        return [
            NoticeItem(id=row[0], attempts=row[1], notice=Notice.model_validate_json(row[2]))
            for row in rows
        ]

    async def pending_notifications(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._all(
            # Notices to a person first (a resident waiting on their case), then the
            # groups': in a storm a group's messages wait for its minute, and must not
            # stand in front of everyone else's.
            "SELECT id, attempts, body FROM outbox WHERE done_at IS NULL AND next_try_at <= ? "
            "AND case_id IS NOT NULL ORDER BY json_extract(body, '$.user_id') IS NULL, id LIMIT ?",
            (utc_text(now), limit),
        )
        return [_outbox_item(row) for row in rows]

    async def pending_for_case(self, case_id: int, now: datetime) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT id, attempts, body FROM outbox WHERE case_id = ? AND done_at IS NULL "
            "AND next_try_at <= ? ORDER BY id",
            (case_id, utc_text(now)),
        )
        return [_outbox_item(row) for row in rows]

    async def finish_notification(self, item_id: int, now: datetime, outcome: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET done_at = ?, outcome = ? WHERE id = ?",
            (utc_text(now), outcome, item_id),
        )

    async def retry_notification(self, item_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_try_at = ? WHERE id = ?",
            (utc_text(at), item_id),
        )

    async def defer_notification(self, item_id: int, at: datetime) -> None:
        """Later, without counting it as a failed try (a group's send budget is spent)."""
        await self.db.execute(
            "UPDATE outbox SET next_try_at = ? WHERE id = ?", (utc_text(at), item_id)
        )

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._all(
            "SELECT coalesce(outcome, 'pending'), count(*) FROM outbox GROUP BY 1"
        )
        return {row[0]: int(row[1]) for row in rows}


def _outbox_item(row: Row) -> OutboxItem:
    return OutboxItem(id=row[0], attempts=row[1], notification=_NOTIFICATION.validate_json(row[2]))
