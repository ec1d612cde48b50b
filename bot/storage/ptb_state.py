"""python-telegram-bot's persistence, and other small keyed state."""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_json

from bot.storage.rows import Rows


class StateTables(Rows):
    async def state(self, kind: str) -> dict[str, Any]:
        rows = await self._all("SELECT key, value FROM ptb_state WHERE kind = ?", (kind,))
        return {row[0]: json.loads(row[1]) for row in rows}

    async def put_state(self, kind: str, key: str, value: Any) -> None:
        if value is None:
            await self.db.execute("DELETE FROM ptb_state WHERE kind = ? AND key = ?", (kind, key))
            return
        await self.db.execute(
            "INSERT INTO ptb_state (kind, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            (kind, key, to_json(value).decode()),
        )
