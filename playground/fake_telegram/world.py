"""The fake Telegram's state: users, chats, messages, files and the update queue,
plus the user-side API tests and the playground act through."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

JSON = dict[str, Any]


# What a waiter can wait on besides a chat id (see World.wait_changed).
ANY = "any change"
UPDATES = "the update queue"
ANSWERS = "callback answers"


class TelegramError(Exception):
    """What the Bot API answers instead of a result."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
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


class Flood:
    """Telegram's send limits as token buckets: in one private chat about one
    message a second with short bursts, in a group 20 a minute, overall 30 a
    second. Sending past a bucket is answered 429 with retry_after."""

    RULES: ClassVar[dict[str, tuple[float, float]]] = {  # (burst, refill per second)
        "private": (3.0, 1.0),
        "group": (20.0, 20.0 / 60.0),
        "global": (30.0, 30.0),
    }

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)
        self.refused = 0
        self.refused_keys: list[object] = []

    def check(self, chat: Chat, count: int = 1) -> None:
        kind = "private" if chat.type == "private" else "group"
        rules = ((chat.id, self.RULES[kind]), ("*", self.RULES["global"]))
        now = self.now()
        levels = {}
        for key, (burst, rate) in rules:
            tokens, at = self.buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            if tokens < count:
                self.refused += 1
                self.refused_keys.append(key)
                retry = max(1, int((count - tokens) / rate + 0.999))
                raise TelegramError(429, f"Too Many Requests: retry after {retry}", retry)
            levels[key] = tokens
        for key, tokens in levels.items():
            self.buckets[key] = (tokens - count, now)


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
        self.clock: Callable[[], float] = time.time
        self.commands: list[JSON] = []
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._waiters: dict[object, set[asyncio.Future[None]]] = {}
        self._group_ids = itertools.count(1)

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
        return member


def _kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool


class FakeUser:
    """A person on their phone: everything they do becomes an update for the bot."""

    def __init__(
        self,
        world: World,
        user_id: int,
        first_name: str,
        language_code: str | None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        self.world = world
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_name = last_name
        self.username = username

    def as_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def private(self) -> Chat:
        return self.world.chats[self.id]

    def _post(self, body: JSON, chat: Chat | None, thread_id: int | None = None) -> Shown:
        where = chat or self.private
        if where.type == "private":
            self.world.started.add(self.id)
            self.world.blocked.discard(self.id)
        elif self.id not in where.members:
            raise bad_request(f"user {self.id} is not a member of {where.title}")
        message = self.world.new_message(where, self.as_json(), body, thread_id)
        self.world.enqueue("message", message)
        return _shown(where, message)

    def send(
        self,
        text: str,
        chat: Chat | None = None,
        thread_id: int | None = None,
        reply_to: Shown | None = None,
    ) -> Shown:
        body: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            body["entities"] = [
                {
                    "type": "bot_command",
                    "offset": 0,
                    "length": len(command.encode("utf-16-le")) // 2,
                }
            ]
        if reply_to is not None:
            body["reply_to_message"] = reply_to.raw
        return self._post(body, chat, thread_id)

    def send_photo(
        self, content: bytes = b"\xff\xd8fake-jpeg", caption: str = "", chat: Chat | None = None
    ) -> Shown:
        stored = self.world.store_file(content, "photos", "jpg")
        body: JSON = {"photo": self.world.photo_sizes(stored)}
        if caption:
            body["caption"] = caption
        return self._post(body, chat)

    def send_voice(self, content: bytes = b"OggS-fake", duration: int = 3) -> Shown:
        stored = self.world.store_file(content, "voice", "oga")
        return self._post(
            {
                "voice": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.unique_id,
                    "duration": duration,
                    "mime_type": "audio/ogg",
                }
            },
            None,
        )

    def send_contact(self, phone: str, own: bool = True) -> Shown:
        contact: JSON = {"phone_number": phone, "first_name": self.first_name}
        if own:
            contact["user_id"] = self.id
        return self._post({"contact": contact}, None)

    def send_location(
        self, latitude: float, longitude: float, live_period: int | None = None
    ) -> Shown:
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return self._post({"location": location}, None)

    def press(self, message: Shown, label: str) -> str:
        """Press the inline button whose text contains `label`; returns the query id."""
        chat = self.world.chat(message.chat_id)
        current = chat.messages.get(message.message_id)
        if current is None:
            raise LookupError(f"message {message.message_id} was deleted")
        button = _shown(chat, current).button(label)
        if button.callback_data is None:
            raise LookupError(f"button {label!r} is a link, not a callback button")
        query_id = f"q{next(self.world._ids)}"
        self.world.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": self.as_json(),
                "message": current,
                "chat_instance": str(chat.id),
                "data": button.callback_data,
            },
        )
        return query_id

    def press_data(self, message: Shown, callback_data: str) -> str:
        """Send a button press with this data on this message, whatever the message
        shows now: an old client's cached keyboard, or a forged payload."""
        query_id = f"q{next(self.world._ids)}"
        current = self.world.chat(message.chat_id).messages.get(message.message_id, message.raw)
        self.world.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": self.as_json(),
                "message": current,
                "chat_instance": str(message.chat_id),
                "data": callback_data,
            },
        )
        return query_id

    async def answer_to(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:
        """The toast or alert the bot answered a button press with."""
        answer = await self.world.wait_for(
            lambda: self.world.answers.get(query_id),
            timeout,
            f"an answer to button press {query_id}",
            ANSWERS,
        )
        return CallbackAnswer(answer.get("text"), bool(answer.get("show_alert")))

    async def wait_for_message(
        self, contains: str = "", chat: Chat | None = None, after: int = 0, timeout: float = 10.0
    ) -> Shown:
        """The first bot message in `chat` (default: the private chat) newer than
        message id `after` whose text contains `contains`."""
        where = chat or self.private

        def find() -> Shown | None:
            return next((m for m in where.bot_messages_after(after) if contains in m.text), None)

        found: Shown = await self.world.wait_for(
            find, timeout, f"a message containing {contains!r}", where.id
        )
        return found

    async def wait_for_button(
        self, label: str, chat: Chat | None = None, after: int = 0, timeout: float = 10.0
    ) -> Shown:
        """The first bot message newer than `after` carrying a button labelled `label`."""
        where = chat or self.private

        def find() -> Shown | None:
            return next(
                (
                    m
                    for m in where.bot_messages_after(after)
                    if any(label in b for b in m.button_labels)
                ),
                None,
            )

        found: Shown = await self.world.wait_for(find, timeout, f"a button {label!r}", where.id)
        return found

    def transcript(self, chat: Chat | None = None) -> str:
        """The chat as text, for a failing test's message."""
        where = chat or self.private
        return "\n".join(
            f"{'BOT' if m.from_bot else m.sender_id}: {m.text} {m.button_labels}"
            for m in where.view()
        )

    def last_message_id(self, chat: Chat | None = None) -> int:
        where = chat or self.private
        return max(where.messages, default=0)
