"""What the fake Telegram keeps of each chat: its messages as the chat shows
them, and the errors the Bot API answers with."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# What a waiter can wait on besides a chat id (see World.wait_changed).
ANY = "any change"
UPDATES = "the update queue"
ANSWERS = "callback answers"


class TelegramError(Exception):
    """What the Bot API answers instead of a result."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        parameters: JSON = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(what: str) -> TelegramError:
    return TelegramError(400, f"Bad Request: {what}")


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Shown:
    """One message as its chat shows it now (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    text: str
    buttons: list[list[Button]]
    keyboard: list[list[str]] | None
    photos: list[str]
    document: str | None
    thread_id: int | None
    edited: bool
    raw: JSON

    def button(self, label: str) -> Button:
        """The inline button whose text contains `label`."""
        for row in self.buttons:
            for button in row:
                if label in button.text:
                    return button
        labels = [b.text for row in self.buttons for b in row]
        raise LookupError(f"no button {label!r} on message {self.message_id}: {labels}")

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]


@dataclass
class Chat:
    id: int
    type: str  # private, group or supergroup
    title: str | None = None
    is_forum: bool = False
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    messages: dict[int, JSON] = field(default_factory=dict)
    edited: set[int] = field(default_factory=set)
    markup: dict[int, str] = field(default_factory=dict)  # the HTML the bot sent, by message
    # Reply keyboards and force-reply requests: shown to the user, never part of the
    # Message object the bot receives back.
    other_markup: dict[int, JSON] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    next_id: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]
    keyboard: list[list[JSON]] | None = None  # the reply keyboard the bot last set
    migrated_to: int | None = None  # a group upgraded to this supergroup

    def as_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.is_forum:
            data["is_forum"] = True
        return data

    def view(self, thread_id: int | None = None) -> list[Shown]:
        return [
            _shown(self, message)
            for message in self.messages.values()
            if thread_id is None or message.get("message_thread_id") == thread_id
        ]

    def bot_messages(self) -> list[Shown]:
        return [m for m in self.view() if m.from_bot]

    def bot_messages_after(self, after: int) -> list[Shown]:
        """Bot messages newer than message id `after`, oldest first, looking only
        at the newest messages (waiting on a busy chat stays cheap)."""
        newer = []
        for message in reversed(self.messages.values()):
            if message["message_id"] <= after:
                break
            if message["from"].get("is_bot", False):
                newer.append(_shown(self, message))
        return newer[::-1]


def _shown(chat: Chat, message: JSON) -> Shown:
    markup = message.get("reply_markup") or {}
    other = chat.other_markup.get(message["message_id"], {})
    buttons = [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]
    photos = [message["photo"][-1]["file_id"]] if message.get("photo") else []
    return Shown(
        chat_id=chat.id,
        message_id=message["message_id"],
        from_bot=message["from"].get("is_bot", False),
        sender_id=message["from"]["id"],
        text=message.get("text") or message.get("caption") or "",
        buttons=buttons,
        keyboard=[[b["text"] for b in row] for row in other["keyboard"]]
        if "keyboard" in other
        else None,
        photos=photos,
        document=(message.get("document") or {}).get("file_id"),
        thread_id=message.get("message_thread_id"),
        edited=message["message_id"] in chat.edited,
        raw=message,
    )


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    content: bytes


@dataclass
class Faults:
    """What can go wrong, on request."""

    latency: float = 0.0  # seconds added to every call
    error_rate: float = 0.0  # share of calls answered 5xx
    timeout_rate: float = 0.0  # share of calls held past the client's timeout
    timeout_hold: float = 10.0
    held: int = 0  # calls held so far (timed out on the bot's side)
    flood_limits: bool = False  # Telegram's per-chat and global send limits, with 429
    poisoned: set[int] = field(default_factory=set)  # chats every send to is answered 400
    # The next getUpdates calls answered with these error codes, one each (502, 409...).
    updates_errors: list[int] = field(default_factory=list)
