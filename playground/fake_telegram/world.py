"""The fake Telegram's state: users, chats, messages, files and the update queue,
plus the user-side API tests and the playground act through."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from playground.fake_telegram.chats import (
    ANSWERS,
    ANY,
    JSON,
    UPDATES,
    Button,
    Chat,
    Faults,
    Shown,
    StoredFile,
    TelegramError,
    _shown,
    bad_request,
)
from playground.fake_telegram.limits import Flood
from playground.fake_telegram.users import CallbackAnswer, FakeUser

__all__ = [
    "ANSWERS",
    "ANY",
    "JSON",
    "UPDATES",
    "Button",
    "CallbackAnswer",
    "Chat",
    "FakeUser",
    "Faults",
    "Flood",
    "Shown",
    "StoredFile",
    "TelegramError",
    "World",
    "_shown",
    "bad_request",
]


class World:
    def __init__(self, token: str = "123456:FAKE", bot_username: str = "estate_desk_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, Chat] = {}
        self.started: set[int] = set()  # users who have opened a private chat with the bot
        self.blocked: set[int] = set()
        self.files: dict[str, StoredFile] = {}
        self.updates: deque[JSON] = deque()
        self.answers: dict[str, JSON] = {}  # callback query id -> the bot's answer
        self.calls: list[str] = []  # every Bot API method called, in order
        self.faults = Faults()
        self.flood = Flood(time.monotonic)
        self.not_modified = 0  # edits refused because they changed nothing
        self.clock: Callable[[], float] = time.time
        self.commands: list[JSON] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._waiters: dict[object, set[asyncio.Future[None]]] = {}
        self._group_ids = itertools.count(1)

    def strict_limits(self) -> None:
        """Enforce Telegram's documented limits as sliding windows, edits counted
        (see limits.py)."""
        self.faults.flood_limits = True
        self.flood.strict = True

    # --- setting the scene -------------------------------------------------------

    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Estate Desk",
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "zh-hant",
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        person = FakeUser(self, user_id, first_name, language_code, last_name, username)
        self.users[user_id] = person
        self.chats.setdefault(user_id, Chat(user_id, "private"))
        return person

    def group(
        self,
        title: str,
        members: list[FakeUser],
        *,
        supergroup: bool = False,
        forum: bool = False,
        bot_status: str = "administrator",
    ) -> Chat:
        chat_id = -(1001000000000 if supergroup or forum else 4000000000) - next(self._group_ids)
        chat = Chat(
            chat_id, "supergroup" if supergroup or forum else "group", title, is_forum=forum
        )
        chat.members = {m.id: "member" for m in members}
        if members:
            chat.members[members[0].id] = "creator"
        chat.members[self.bot_id] = bot_status
        self.chats[chat_id] = chat
        self.enqueue(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": members[0].as_json() if members else self.bot_user(),
                "date": int(self.clock()),
                "old_chat_member": {"status": "left", "user": self.bot_user()},
                "new_chat_member": self._member_json(chat, self.bot_id),
            },
        )
        return chat

    def migrate(self, chat: Chat, *, announce: bool = True) -> Chat:
        """Upgrade a group to a supergroup, as Telegram does when a group grows or
        an admin turns on a supergroup feature: a new chat id with the same members;
        the old chat takes no more messages (400 with `migrate_to_chat_id`). With
        `announce`, the bot gets both service messages (`migrate_to_chat_id` in the
        old chat, `migrate_from_chat_id` in the new one)."""
        new = Chat(-1001000000000 - next(self._group_ids), "supergroup", chat.title)
        new.members = dict(chat.members)
        self.chats[new.id] = new
        chat.migrated_to = new.id
        by = next((uid for uid, s in chat.members.items() if s == "creator"), None)
        sender = self.users[by].as_json() if by in self.users else self.bot_user()
        if announce:
            old_note = self.new_message(chat, sender, {"migrate_to_chat_id": new.id})
            self.enqueue("message", old_note)
            new_note = self.new_message(new, sender, {"migrate_from_chat_id": chat.id})
            self.enqueue("message", new_note)
        return new

    def set_bot_status(self, chat: Chat, status: str, by: FakeUser | None = None) -> None:
        """The bot removed from a group ("kicked", "left") or added back ("member",
        "administrator"); Telegram tells the bot with a `my_chat_member` update."""
        old = self._member_json(chat, self.bot_id)
        chat.members[self.bot_id] = status
        self.enqueue(
            "my_chat_member",
            {
                "chat": chat.as_json(),
                "from": by.as_json() if by else self.bot_user(),
                "date": int(self.clock()),
                "old_chat_member": old,
                "new_chat_member": self._member_json(chat, self.bot_id),
            },
        )

    def delete_group(self, chat: Chat) -> None:
        """The group is deleted: Telegram answers "chat not found" from now on."""
        del self.chats[chat.id]

    def block(self, user: FakeUser, *, announce: bool = True) -> None:
        """The user blocks the bot: sends to them are answered 403 from now on."""
        self.blocked.add(user.id)
        if announce:
            self._private_status(user, "member", "kicked")

    def unblock(self, user: FakeUser) -> None:
        """The user unblocks the bot (Telegram's "Restart"): a `my_chat_member` update."""
        self.blocked.discard(user.id)
        self.started.add(user.id)
        self._private_status(user, "kicked", "member")

    def _private_status(self, user: FakeUser, old: str, new: str) -> None:
        self.enqueue(
            "my_chat_member",
            {
                "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                "from": user.as_json(),
                "date": int(self.clock()),
                "old_chat_member": _private_member(old, self.bot_user()),
                "new_chat_member": _private_member(new, self.bot_user()),
            },
        )

    def chat(self, chat_id: int) -> Chat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise bad_request("chat not found") from None

    # --- the update queue ---------------------------------------------------------

    def enqueue(self, kind: str, payload: JSON) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self._notify(UPDATES)
        return update_id

    def _notify(self, topic: object = None) -> None:
        """Wake whoever waits on `topic` (a chat id, UPDATES, ANSWERS) and whoever
        waits on any change. Waking only the interested keeps a benchmark with
        hundreds of waiting residents from re-checking every chat on every message."""
        woken = self._waiters.pop(ANY, set())
        if topic is not None:
            woken |= self._waiters.pop(topic, set())
        else:
            for waiters in self._waiters.values():
                woken |= waiters
            self._waiters.clear()
        for waiter in woken:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_changed(self, timeout: float, topic: object = None) -> None:
        """Sleep until `topic` changes (default: anything), or `timeout`."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        key = ANY if topic is None else topic
        self._waiters.setdefault(key, set()).add(waiter)
        try:
            await asyncio.wait_for(waiter, max(timeout, 0))
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)

    async def take_updates(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JSON]:
        deadline = time.monotonic() + timeout
        while True:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
            wanted = [
                u for u in self.updates if allowed is None or not allowed or _kind(u) in allowed
            ]
            if wanted or time.monotonic() >= deadline:
                return wanted[:limit]
            await self.wait_changed(deadline - time.monotonic(), UPDATES)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,
        what: str = "the expected message",
        topic: object = None,
    ) -> Any:
        """Wait until `predicate()` returns something truthy, and return it;
        re-checked when `topic` (default: anything) changes."""
        deadline = time.monotonic() + timeout
        while True:
            found = predicate()
            if found:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"waited {timeout}s for {what}")
            await self.wait_changed(min(0.2, deadline - time.monotonic()), topic)

    # --- messages --------------------------------------------------------------------

    def new_message(
        self, chat: Chat, sender: JSON, body: JSON, thread_id: int | None = None
    ) -> JSON:
        message: JSON = {
            "message_id": next(chat.next_id),
            "from": sender,
            "chat": chat.as_json(),
            "date": int(self.clock()),
            **body,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        chat.messages[message["message_id"]] = message
        self._notify(chat.id)
        return message

    def store_file(self, content: bytes, folder: str, suffix: str) -> StoredFile:
        n = next(self._ids)
        stored = StoredFile(f"file-{n}", f"u{n}", f"{folder}/file_{n}.{suffix}", content)
        self.files[stored.file_id] = stored
        return stored

    def photo_sizes(self, stored: StoredFile) -> list[JSON]:
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "width": 1280,
                "height": 960,
                "file_size": len(stored.content),
            }
        ]

    def _member_json(self, chat: Chat, user_id: int) -> JSON:
        status = chat.members.get(user_id, "left")
        user = (
            self.bot_user()
            if user_id == self.bot_id
            else (
                self.users[user_id].as_json()
                if user_id in self.users
                else {"id": user_id, "is_bot": False, "first_name": "?"}
            )
        )
        member: JSON = {"status": status, "user": user}
        if status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_manage_topics": True,
                    "can_pin_messages": True,
                }
            )
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0  # banned for good, as Telegram answers
        return member


def _private_member(status: str, bot: JSON) -> JSON:
    member: JSON = {"status": status, "user": bot}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")
