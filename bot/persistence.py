"""python-telegram-bot's persistence, kept in the same database as the cases.

Only conversation states and user data (a resident's half-filed case) are
persisted; everything else the bot needs lives in proper tables. Values must
be plain JSON, which keeps drafts small and readable.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.storage import Store, Transaction
from handlers.states import upgraded

UserData = dict[str, Any]


class SqlitePersistence(BasePersistence[UserData, dict[str, Any], dict[str, Any]]):
    def __init__(self, store: Store, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.store = store

    async def _state(self, kind: str) -> dict[str, Any]:
        await self.store.open()
        async with self.store.transaction() as tx:
            return await tx.state(kind)

    async def _put(self, kind: str, key: str, value: Any) -> None:
        async def put(tx: Transaction) -> None:
            await tx.put_state(kind, key, value)

        await self.store.write_soon(put)

    async def get_user_data(self) -> dict[int, UserData]:
        return {int(k): v for k, v in (await self._state("user_data")).items()}

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        await self._put("user_data", str(user_id), data or None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._put("user_data", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        pass

    async def get_conversations(self, name: str) -> ConversationDict:
        """Saved states by name; a conversation saved by a release that numbered
        its states resumes at the same, now named, step."""
        stored = await self._state(f"conversation:{name}")
        return {tuple(json.loads(k)): upgraded(v) for k, v in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._put(f"conversation:{name}", json.dumps(list(key)), new_state)

    # Not persisted: chat data, bot data (the services live there) and callback data.

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        pass

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        pass

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def flush(self) -> None:
        pass
