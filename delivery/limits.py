"""Telegram's send limits, kept by one limiter that every Bot API call passes.

Telegram documents three limits, and answers 429 past any of them: about one
message a second in a chat (groups too), 20 a minute in a group, 30 a second
overall. Edits count like messages. `SendLimits` keeps each as a sliding
window of what was sent (not a leaky bucket: a bucket of 20 lets 21 through
a sliding minute), a little stricter than Telegram's, and `TelegramLimiter`
(python-telegram-bot's `BaseRateLimiter`, so handlers' replies pass it as the
courier's messages do) waits until a call fits all three before making it.
A message stays in a window until a window's length after its answer, so
the network's uneven delays cannot bunch more into Telegram's window than
the limiter let go. The overall second is also an even pace (`Pace`): one
message every 1/30 s or so, with a burst of three, not 29 at once and then
none for a second.

Not aiolimiter's `AsyncLimiter` (which python-telegram-bot's `AIORateLimiter`
builds on): it is a leaky bucket that sleeps on the event loop's clock and
cannot say how long a message would wait, where a message must fit three
limits at once, be counted in all three only when it goes, and the courier
asks the same counts whether a group is busy.

The courier asks the same windows whether a group is busy (new cases join a
digest) or full (its messages wait for the minute): one count of what was
sent, shared by the decisions and the waiting.

The limiter also remembers what each message it sent or edited last showed,
and answers an edit that would change nothing itself (Telegram would refuse
it 400 "message is not modified", spending the chat's budget for nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Coroutine
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
        a 2 % longer window, for clocks that disagree. The network's delays need
        no margin: a message leaves the window a window's length after its
        answer came back, not after it was handed to the network (`SendLimits`)."""
        count = self.count - 1 if self.count >= 10 else self.count
        return Window(max(1, count), self.seconds * 1.02)


class _Counted:
    """One window's messages: those answered (when, oldest first) and those in flight."""

    __slots__ = ("flying", "landed")

    def __init__(self) -> None:
        self.landed: deque[float] = deque()
        self.flying = 0

    def expire(self, cutoff: float) -> None:
        landed = self.landed
        while landed and landed[0] <= cutoff:
            landed.popleft()

    def __len__(self) -> int:
        return len(self.landed) + self.flying


class _Turn:
    """A chat's queue: its messages wait for their chat's room one at a time."""

    __slots__ = ("lock", "queued")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.queued = 0


# How long the limiter sleeps when a window is full of messages still in flight:
# room comes back when one of them is answered, which is no later than this, usually.
IN_FLIGHT_WAIT = 0.01


class SendLimits:
    """What was sent in each chat and overall, as sliding windows, and the
    overall second's pace.

    A message is counted from the moment it is handed to the network and stays
    in each window until a window's length after its answer came back. Telegram
    counts it somewhere in between (when it arrives), so however unevenly a busy
    machine or network delays the messages, Telegram never sees more in any
    window than the limiter let go: no margin for the network is needed.

    The overall limit is also paced (`Pace`): one message every 1/30 s with a
    short burst, instead of a window's worth at once and then nothing until
    the window has passed."""

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
        self.pace = Pace(self.overall, now)
        self.busy_at = busy_at
        self.full_at = full_at
        self.edits_at = max(edits_at, full_at)
        self.enabled = True  # False: count, but never wait (tests that play hours in seconds)
        self._chat: dict[int, _Counted] = {}
        self._group: dict[int, _Counted] = {}
        self._all = _Counted()
        self._turn = asyncio.Lock()  # one message at a time waits for the overall pace
        self._chat_turns: dict[int, _Turn] = {}  # and one at a time in each chat

    # --- what the courier asks -------------------------------------------------------

    def recent(self, chat_id: int) -> int:
        """Messages in the group's last minute, those in flight and those
        waiting for their turn in the chat included: a case delivered beside
        seven others must not post a card past `busy_at` because the other
        seven are still queued and not yet counted."""
        turn = self._chat_turns.get(chat_id)
        queued = turn.queued if turn is not None else 0
        counted = self._group.get(chat_id)
        if counted is None:
            return queued
        counted.expire(self.now() - GROUP_WINDOW)
        return len(counted) + queued

    def busy(self, chat_id: int) -> bool:
        return chat_id < 0 and self.recent(chat_id) >= self.busy_at

    def full(self, chat_id: int) -> bool:
        """No room for a new message in the group's minute (the rest is for edits)."""
        return chat_id < 0 and self.recent(chat_id) >= self.full_at

    def no_room_to_edit(self, chat_id: int) -> bool:
        """Not even room for an edit in the group's minute."""
        return chat_id < 0 and self.recent(chat_id) >= self.edits_at

    # --- what the limiter does ------------------------------------------------------------

    def wait_in_chat(self, chat_id: int | None, count: int = 1) -> float:
        """Seconds until `count` more messages fit the chat's second and the group's minute."""
        if not self.enabled or chat_id is None:
            return 0.0
        now = self.now()
        wait = _wait(self._chat.get(chat_id), self.per_chat, 1, now)
        if chat_id < 0:
            wait = max(wait, _wait(self._group.get(chat_id), self.per_group, count, now))
        return wait

    def wait_overall(self, count: int = 1) -> float:
        """Seconds until `count` more messages fit the overall second and its pace."""
        if not self.enabled:
            return 0.0
        now = self.now()
        return max(_wait(self._all, self.overall, count, now), self.pace.wait(count, now))

    def wait_for(self, chat_id: int | None, count: int = 1) -> float:
        """Seconds until `count` more messages in `chat_id` fit every limit (0: now)."""
        return max(self.wait_in_chat(chat_id, count), self.wait_overall(count))

    def sent(self, chat_id: int | None, count: int = 1) -> None:
        """`count` messages to `chat_id` were handed to the network just now (a
        media group is one send in the chat's second, and `count` in the group's
        minute and overall): they count, in flight, until `answered`."""
        self.pace.take(count, self.now())
        self._all.flying += count
        if chat_id is None:
            return
        self._chat.setdefault(chat_id, _Counted()).flying += 1
        if chat_id < 0:
            self._group.setdefault(chat_id, _Counted()).flying += count

    def answered(self, chat_id: int | None, count: int = 1) -> None:
        """The messages `sent` got their answer (or failed) just now: each window
        lets them go a window's length from now."""
        now = self.now()
        _land(self._all, count, now, self.overall.seconds)
        if chat_id is None:
            return
        _land(self._chat[chat_id], 1, now, self.per_chat.seconds)
        if chat_id < 0:
            _land(self._group[chat_id], count, now, max(self.per_group.seconds, GROUP_WINDOW))

    def record(self, chat_id: int | None, count: int = 1) -> None:
        """`count` messages went to `chat_id` and were answered just now."""
        self.sent(chat_id, count)
        self.answered(chat_id, count)

    async def take(self, chat_id: int | None, count: int = 1) -> None:
        """Wait until there is room, then count the messages as sent (in flight:
        call `answered` once the call is over). Messages to one chat queue in
        order for the chat's second and the group's minute; then one at a time
        for the overall pace, in order (no herd of waiters waking every 1/30 s;
        and a message whose chat had room keeps it while it waits for the pace,
        instead of losing its place to another message to the same chat)."""
        if chat_id is None:
            await self._overall_turn(count)
            self.sent(chat_id, count)
            return
        turn = self._chat_turns.get(chat_id)
        if turn is None:
            turn = self._chat_turns[chat_id] = _Turn()
        turn.queued += 1
        try:
            async with turn.lock:
                # Room comes back with time, not with an event: sleep until it is due.
                while (delay := self.wait_in_chat(chat_id, count)) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(delay)
                await self._overall_turn(count)
                self.sent(chat_id, count)
        finally:
            turn.queued -= 1
            if not turn.queued:
                del self._chat_turns[chat_id]

    async def _overall_turn(self, count: int) -> None:
        async with self._turn:
            while (delay := self.wait_overall(count)) > 0:  # noqa: ASYNC110
                await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def sending(self, chat_id: int | None, count: int = 1) -> AsyncIterator[None]:
        """Wait for room, then count the messages in flight for the body's call."""
        await self.take(chat_id, count)
        try:
            yield
        finally:
            self.answered(chat_id, count)


class Pace:
    """The overall limit as an even pace: one message every window ÷ count
    seconds, with a burst of at most a tenth of the window's count after a
    quiet moment (a generic cell rate algorithm: `due` is when the next message
    would be on time; a message may go up to the burst's intervals early)."""

    def __init__(self, window: Window, now: Callable[[], float]) -> None:
        self.interval = window.seconds / window.count
        self.burst = max(2, round(window.count / 10))
        self.due = now()

    def wait(self, count: int, now: float) -> float:
        early = (self.burst - 1) * self.interval
        wait = self.due + (count - 1) * self.interval - early - now
        return wait if wait > 1e-9 else 0.0  # not a rounding error's wait

    def take(self, count: int, now: float) -> None:
        self.due = max(self.due, now) + count * self.interval


def _land(counted: _Counted, count: int, now: float, seconds: float) -> None:
    counted.flying = max(0, counted.flying - count)
    counted.landed.extend([now] * count)
    counted.expire(now - seconds)


def _wait(counted: _Counted | None, window: Window, count: int, now: float) -> float:
    if counted is None:
        return 0.0
    counted.expire(now - window.seconds)
    if not len(counted):
        return 0.0  # an empty window takes even what is more than it holds
    excess = len(counted) + count - window.count
    if excess <= 0:
        return 0.0
    if excess > len(counted.landed):
        # The window is full of messages still in flight: room comes with an answer.
        return IN_FLIGHT_WAIT
    # The window has room once the `excess` oldest answered messages have left it.
    oldest = counted.landed[excess - 1]
    return max(0.0, oldest + window.seconds - now) + 0.001


class Shown:
    """What each message the bot sent or edited shows now, by (chat, message)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._shown: OrderedDict[tuple[int, int], dict[str, object]] = OrderedDict()
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

    def _keep(self, key: tuple[int, int], content: dict[str, object]) -> None:
        self._shown[key] = content
        self._shown.move_to_end(key)
        while len(self._shown) > self.size:
            self._shown.popitem(last=False)


CONTENT = ("text", "caption", "parse_mode", "reply_markup", "entities", "caption_entities")


def _content(data: dict[str, Any]) -> dict[str, object]:
    """What a call makes a message show, as python-telegram-bot passes it: texts,
    and keyboards and entities as its objects, which compare by their fields
    (kept as they are: serialising every message sent to compare the few
    edited cost more than the rest of the limiter)."""
    return {k: data[k] for k in CONTENT if data.get(k) is not None}


def _after_edit(
    before: dict[str, object], endpoint: str, data: dict[str, Any]
) -> dict[str, object]:
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
            try:
                async with self.limits.sending(chat, max(1, count)):
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
