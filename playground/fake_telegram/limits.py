"""Telegram's send limits, as the fake enforces them.

Two modes. The default is lenient, as Telegram usually is: token buckets, in
one private chat about one message a second with short bursts, in a group
20 a minute (all 20 at once if the bucket is full), overall 30 a second;
edits are free. The strict mode is what Telegram documents and what a bot
must be able to live with: each limit a sliding window, in every chat
(groups included) at most 1 message in any second, in a group at most 20 in
any minute, overall at most 30 in any second, and edits count like messages.

Sending past a limit is answered 429 with retry_after; every 429 is logged
with the method and the chat.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from typing import ClassVar

from playground.fake_telegram.chats import Chat, TelegramError

log = logging.getLogger("fake_telegram.flood")

GLOBAL = "*"


class Flood:
    RULES: ClassVar[dict[str, tuple[float, float]]] = {  # (burst, refill per second)
        "private": (3.0, 1.0),
        "group": (20.0, 20.0 / 60.0),
        "global": (30.0, 30.0),
    }
    # Strict mode: (most messages, window in seconds).
    PER_CHAT = (1, 1.0)
    PER_GROUP = (20, 60.0)
    OVERALL = (30, 1.0)

    def __init__(self, now: Callable[[], float], strict: bool = False) -> None:
        self.now = now
        self.strict = strict
        self.buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)
        self.windows: dict[tuple[object, float], deque[float]] = {}
        self.refused = 0
        self.refused_keys: list[object] = []
        # Every 429: (seconds since the first call, method, chat id, which limit).
        self.refusals: list[tuple[float, str, int, str]] = []
        self.started: float | None = None

    def check(self, chat: Chat, count: int = 1, method: str = "sendMessage") -> None:
        """Raise 429 if `count` more messages in `chat` now would break a limit;
        otherwise count them."""
        now = self.now()
        if self.started is None:
            self.started = now
        if self.strict:
            self._check_windows(chat, count, now, method)
        else:
            self._check_buckets(chat, count, now, method)

    def counts_edits(self) -> bool:
        return self.strict

    def refused_after(self, seconds: float) -> int:
        """429s answered later than `seconds` after the first message."""
        return sum(1 for at, *_ in self.refusals if at > seconds)

    def _refuse(self, chat: Chat, key: object, method: str, retry: int, now: float) -> None:
        self.refused += 1
        self.refused_keys.append(key)
        limit = "overall" if key == GLOBAL else ("group" if chat.type != "private" else "chat")
        assert self.started is not None
        self.refusals.append((now - self.started, method, chat.id, limit))
        log.warning(
            "429 for %s in chat %s (%s limit), retry after %ss", method, chat.id, limit, retry
        )
        raise TelegramError(429, f"Too Many Requests: retry after {retry}", retry)

    def _check_buckets(self, chat: Chat, count: int, now: float, method: str) -> None:
        kind = "private" if chat.type == "private" else "group"
        rules = ((chat.id, self.RULES[kind]), (GLOBAL, self.RULES["global"]))
        levels = {}
        for key, (burst, rate) in rules:
            tokens, at = self.buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            if tokens < count:
                retry = max(1, int((count - tokens) / rate + 0.999))
                self._refuse(chat, key, method, retry, now)
            levels[key] = tokens
        for key, tokens in levels.items():
            self.buckets[key] = (tokens - count, now)

    def _check_windows(self, chat: Chat, count: int, now: float, method: str) -> None:
        rules: list[tuple[object, tuple[int, float]]] = [
            (chat.id, self.PER_CHAT),
            (GLOBAL, self.OVERALL),
        ]
        if chat.type != "private":
            rules.insert(1, (chat.id, self.PER_GROUP))
        # A media group is one send of several messages: the per-chat second
        # takes it as one, the minute and the overall second count each.
        stamps_of = []
        for key, (most, window) in rules:
            stamps = self.windows.setdefault((key, window), deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            n = 1 if (key != GLOBAL and window == self.PER_CHAT[1]) else count
            if len(stamps) + n > most:
                oldest = stamps[len(stamps) + n - most - 1] if len(stamps) >= n else stamps[0]
                retry = max(1, math.ceil(oldest + window - now))
                self._refuse(chat, key, method, retry, now)
            stamps_of.append((stamps, n))
        for stamps, n in stamps_of:
            stamps.extend([now] * n)
