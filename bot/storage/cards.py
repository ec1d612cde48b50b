"""Staff cards (one message per case and group) and digests."""

from __future__ import annotations

import json
from datetime import datetime

from bot.storage.rows import Row, Rows, parse_utc, utc_text
from delivery.records import Card, Digest


class CardTables(Rows):
    async def cards(self, case_id: int) -> list[Card]:
        rows = await self._all("SELECT * FROM cards WHERE case_id = ?", (case_id,))
        return [Card.model_validate(dict(row)) for row in rows]

    async def save_card(self, card: Card) -> None:
        await self.db.execute(
            "INSERT INTO cards (case_id, chat_id, message_id, thread_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (case_id, chat_id) DO UPDATE SET message_id = excluded.message_id, "
            "thread_id = excluded.thread_id",
            (card.case_id, card.chat_id, card.message_id, card.thread_id),
        )

    async def open_digest(self, chat_id: int, key: str, since: datetime) -> Digest | None:
        row = await self._one(
            "SELECT * FROM digests WHERE chat_id = ? AND key = ? AND created_at >= ? "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, key, utc_text(since)),
        )
        return _digest(row) if row else None

    async def digest(self, digest_id: int) -> Digest | None:
        row = await self._one("SELECT * FROM digests WHERE id = ?", (digest_id,))
        return _digest(row) if row else None

    async def digest_at(self, chat_id: int, message_id: int) -> Digest | None:
        row = await self._one(
            "SELECT * FROM digests WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return _digest(row) if row else None

    async def dirty_digests(self) -> list[Digest]:
        return [_digest(r) for r in await self._all("SELECT * FROM digests WHERE dirty = 1")]

    async def add_digest(self, chat_id: int, message_id: int, key: str, now: datetime) -> Digest:
        row = await self._one(
            "INSERT INTO digests (chat_id, message_id, key, created_at) VALUES (?, ?, ?, ?) "
            "RETURNING *",
            (chat_id, message_id, key, utc_text(now)),
        )
        assert row is not None
        return _digest(row)

    async def save_digest(self, digest: Digest) -> None:
        await self.db.execute(
            "UPDATE digests SET message_id = ?, case_ids = ?, lines = ?, dirty = ? WHERE id = ?",
            (
                digest.message_id,
                json.dumps(digest.case_ids),
                json.dumps(digest.lines, ensure_ascii=False),
                int(digest.dirty),
                digest.id,
            ),
        )


def _digest(row: Row) -> Digest:
    data = dict(row)
    data["case_ids"] = json.loads(data["case_ids"])
    data["lines"] = json.loads(data["lines"])
    data["created_at"] = parse_utc(data["created_at"])
    return Digest.model_validate(data)
