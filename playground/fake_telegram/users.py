"""The user side of the fake: a person on their phone, whose every action
becomes an update for the bot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playground.fake_telegram.chats import ANSWERS, JSON, Chat, Shown, _shown, bad_request

if TYPE_CHECKING:
    from playground.fake_telegram.world import World


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
        self,
        content: bytes = b"\xff\xd8fake-jpeg",
        caption: str = "",
        chat: Chat | None = None,
        reply_to: Shown | None = None,
    ) -> Shown:
        stored = self.world.store_file(content, "photos", "jpg")
        body: JSON = {"photo": self.world.photo_sizes(stored)}
        if caption:
            body["caption"] = caption
        if reply_to is not None:
            body["reply_to_message"] = reply_to.raw
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

    async def wait_for_reply(
        self,
        pressed: Shown,
        contains: str = "",
        button: str = "",
        timeout: float = 10.0,
        accept: Callable[[Shown], bool] | None = None,
    ) -> Shown:
        """What the bot answered a press on `pressed` with: the pressed message
        itself once its text changed (the bot turns it into the next step), or
        a newer message, whichever shows `contains` (and a button `button`, and
        passes `accept`: a later answer to something else is not this one)."""
        where = self.world.chat(pressed.chat_id)

        def fits(m: Shown) -> bool:
            return (
                contains in m.text
                and (not button or any(button in b for b in m.button_labels))
                and (accept is None or accept(m))
            )

        def find() -> Shown | None:
            current = where.messages.get(pressed.message_id)
            if current is not None:
                now = _shown(where, current)
                if now.text != pressed.text and fits(now):
                    return now
            newer = where.bot_messages_after(pressed.message_id)
            return next((m for m in newer if fits(m)), None)

        found: Shown = await self.world.wait_for(
            find, timeout, f"an answer containing {contains!r} to a press", where.id
        )
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
