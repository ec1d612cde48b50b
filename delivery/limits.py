"""Telegram's send limits, kept by one limiter that every Bot API call passes.

Telegram documents three limits, and answers 429 past any of them: about one
message a second in a chat (groups too), 20 a minute in a group, 30 a second
overall. Edits count like messages. `SendLimits` keeps each as a sliding
window of what was sent (not a leaky bucket: a bucket of 20 lets 21 through
a sliding minute), a little stricter than Telegram's, and `TelegramLimiter`
(python-telegram-bot's `BaseRateLimiter`, so handlers' replies pass it as the
courier's messages do) waits until a call fits all three before making it.

The courier asks the same windows whether a group is busy (new cases join a
digest) or full (its messages wait for the minute): one count of what was
sent, shared by the decisions and the waiting.

The limiter also remembers what each message it sent or edited last showed,
and answers an edit that would change nothing itself (Telegram would refuse
it 400 "message is not modified", spending the chat's budget for nothing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

BUSY = 12  # messages in a group's last minute after which it gets digests
HARD = 19  # never more than this in a group's minute: the rest waits (Telegram allows 20)
# New messages stop this many short of HARD: the rest of the minute is kept for
# edits (a digest brought up to date, a card showing its case's new state), so
# that what is already posted keeps up however much is waiting to be posted.
EDIT_RESERVE = 4
SENDS_AT_MOST = HARD - EDIT_RESERVE
GROUP_WINDOW = 60.0

# Bot API methods that put a message in a chat or change one: these count.
SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVoice",
        "sendAudio",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
EDITS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"}
)
REMEMBERED = 20_000  # messages whose last content is kept (oldest forgotten first)


@dataclass(frozen=True)
class Window:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float

    def with_margin(self) -> Window:
        """A little stricter than Telegram: one fewer where there are many, and
        a slightly longer window, for clocks and networks that disagree."""
        count = self.count - 1 if self.count >= 10 else self.count
        return Window(max(1, count), self.seconds * 1.02 + min(0.13, self.seconds * 0.13))


class SendLimits:
    """What was sent in each chat and overall, as sliding windows."""

    def __init__(
        self,
        per_chat: Window = Window(1, 1.0),
        per_group: Window = Window(20, GROUP_WINDOW),
        overall: Window = Window(30, 1.0),
        now: Callable[[], float] = time.monotonic,
        busy_at: int = BUSY,
        full_at: int = SENDS_AT_MOST,
        edits_at: int = HARD,
    ) -> None:
        self.per_chat = per_chat.with_margin()
        self.per_group = per_group.with_margin()
        self.overall = overall.with_margin()
        self.now = now
        self.busy_at = busy_at
        self.full_at = full_at
        self.edits_at = max(edits_at, full_at)
        self.enabled = True  # False: count, but never wait (tests that play hours in seconds)
        self._chat: dict[int, deque[float]] = {}
        self._group: dict[int, deque[float]] = {}
        self._all: deque[float] = deque()

    # --- what the courier asks -------------------------------------------------------

    def recent(self, chat_id: int) -> int:
        """Messages in the group's last minute."""
        stamps = self._group.get(chat_id)
        if not stamps:
            return 0
        _expire(stamps, self.now() - GROUP_WINDOW)
        return len(stamps)

    def busy(self, chat_id: int) -> bool:
        return chat_id < 0 and self.recent(chat_id) >= self.busy_at

    def full(self, chat_id: int) -> bool:
        """No room for a new message in the group's minute (the rest is for edits)."""
        return chat_id < 0 and self.recent(chat_id) >= self.full_at

    def no_room_to_edit(self, chat_id: int) -> bool:
        """Not even room for an edit in the group's minute."""
        return chat_id < 0 and self.recent(chat_id) >= self.edits_at

    # --- what the limiter does ------------------------------------------------------------

    def wait_for(self, chat_id: int | None, count: int = 1) -> float:
        """Seconds until `count` more messages in `chat_id` fit every window (0: now)."""
        if not self.enabled:
            return 0.0
        now = self.now()
        waits = [_wait(self._all, self.overall, count, now)]
        if chat_id is not None:
            waits.append(_wait(self._chat.get(chat_id), self.per_chat, 1, now))
            if chat_id < 0:
                waits.append(_wait(self._group.get(chat_id), self.per_group, count, now))
        return max(waits)

    def record(self, chat_id: int | None, count: int = 1) -> None:
        """`count` messages went to `chat_id` just now (a media group is one send
        in the chat's second, and `count` in the group's minute and overall)."""
        now = self.now()
        self._all.extend([now] * count)
        _expire(self._all, now - self.overall.seconds)
        if chat_id is None:
            return
        chat = self._chat.setdefault(chat_id, deque())
        chat.append(now)
        _expire(chat, now - self.per_chat.seconds)
        if chat_id < 0:
            group = self._group.setdefault(chat_id, deque())
            group.extend([now] * count)
            _expire(group, now - max(self.per_group.seconds, GROUP_WINDOW))

    async def take(self, chat_id: int | None, count: int = 1) -> None:
        """Wait until there is room, then count the messages as sent."""
        # Room comes back with time, not with an event: sleep until the oldest send leaves.
        while (delay := self.wait_for(chat_id, count)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)
        self.record(chat_id, count)


def _expire(stamps: deque[float], cutoff: float) -> None:
    while stamps and stamps[0] <= cutoff:
        stamps.popleft()


def _wait(stamps: deque[float] | None, window: Window, count: int, now: float) -> float:
    if not stamps:
        return 0.0
    _expire(stamps, now - window.seconds)
    excess = len(stamps) + count - window.count
    if excess <= 0:
        return 0.0
    # The window has room once the `excess` oldest stamps have left it.
    oldest = stamps[min(excess, len(stamps)) - 1]
    return max(0.0, oldest + window.seconds - now) + 0.001


class Shown:
    """What each message the bot sent or edited shows now, by (chat, message)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._shown: OrderedDict[tuple[int, int], dict[str, str]] = OrderedDict()
        self.skipped = 0

    def unchanged(self, endpoint: str, data: dict[str, Any]) -> bool:
        key = _message_key(data)
        if key is None or key not in self._shown:
            return False
        return _after_edit(self._shown[key], endpoint, data) == self._shown[key]

    def sent(self, endpoint: str, data: dict[str, Any], result: object) -> None:
        if not isinstance(result, dict) or "message_id" not in result:
            return
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int):
            self._keep((chat_id, int(result["message_id"])), _content(data))

    def edited(self, endpoint: str, data: dict[str, Any]) -> None:
        key = _message_key(data)
        if key is not None:
            self._keep(key, _after_edit(self._shown.get(key, {}), endpoint, data))

    def _keep(self, key: tuple[int, int], content: dict[str, str]) -> None:
        self._shown[key] = content
        self._shown.move_to_end(key)
        while len(self._shown) > self.size:
            self._shown.popitem(last=False)


CONTENT = ("text", "caption", "parse_mode", "reply_markup", "entities", "caption_entities")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=lambda o: o.to_dict(), ensure_ascii=False)


def _content(data: dict[str, Any]) -> dict[str, str]:
    return {k: _canonical(data[k]) for k in CONTENT if data.get(k) is not None}


def _after_edit(before: dict[str, str], endpoint: str, data: dict[str, Any]) -> dict[str, str]:
    new = _content(data)
    if endpoint == "editMessageReplyMarkup":
        kept = {k: v for k, v in before.items() if k != "reply_markup"}
        return kept | {k: v for k, v in new.items() if k == "reply_markup"}
    if endpoint == "editMessageText":
        return {k: v for k, v in before.items() if k in ("caption", "caption_entities")} | new
    if endpoint == "editMessageCaption":
        return {k: v for k, v in before.items() if k in ("text", "entities")} | new
    return new


def _message_key(data: dict[str, Any]) -> tuple[int, int] | None:
    chat_id, message_id = data.get("chat_id"), data.get("message_id")
    if isinstance(chat_id, int) and isinstance(message_id, int):
        return (chat_id, message_id)
    return None


class TelegramLimiter(BaseRateLimiter[int]):
    """Every Bot API call passes here: sends and edits wait for room in the
    windows of `limits`; an edit that would change nothing is not made; a 429
    (which the windows should prevent) waits its retry_after and is tried again,
    up to `max_retries` times, then raised for the caller's own back-off."""

    def __init__(self, limits: SendLimits, max_retries: int = 3) -> None:
        self.limits = limits
        self.shown = Shown()
        self.max_retries = max_retries
        self.refused = 0  # 429s Telegram answered all the same

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        counted = endpoint in SENDS or endpoint in EDITS
        if not counted:
            return await callback(*args, **kwargs)
        if endpoint in EDITS and self.shown.unchanged(endpoint, data):
            self.shown.skipped += 1
            return True  # what Telegram answers an edit, as far as python-telegram-bot cares
        chat_id = data.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        count = len(data.get("media") or ()) if endpoint == "sendMediaGroup" else 1
        tries = 0
        while True:
            await self.limits.take(chat, max(1, count))
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as error:
                self.refused += 1
                tries += 1
                log.warning("429 for %s in %s (try %d): %s", endpoint, chat, tries, error)
                if tries > self.max_retries:
                    raise
                delay = error.retry_after
                await asyncio.sleep(delay if isinstance(delay, int | float) else delay.seconds)
                continue
            if endpoint in EDITS:
                self.shown.edited(endpoint, data)
            else:
                self.shown.sent(endpoint, data, result)
            return result
