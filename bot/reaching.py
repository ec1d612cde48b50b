"""Reaching Telegram at start-up: the bot waits for it rather than die.

Before the application starts polling (or sets its webhook), `wait_for_telegram`
calls getMe until Telegram answers: each failed attempt is one WARNING line
naming the attempt and the wait before the next, the waits growing from
`first` to `longest`. A refused token is no weather: it ends the wait at once
with `TokenRefused`, for one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.settings import Settings

log = logging.getLogger(__name__)


class TokenRefused(Exception):
    """Telegram refused BOT_TOKEN: waiting will not help."""


def backoff(attempt: int, first: float, longest: float) -> float:
    """The wait after failed attempt number `attempt` (1, 2, ...): doubling, capped."""
    return float(min(longest, first * 2 ** (attempt - 1)))


async def wait_for_telegram(
    settings: Settings,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> str:
    """Calls getMe until it answers; returns the bot's @username."""
    assert settings.bot_token is not None
    wait = settings.telegram_timeout
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        base_file_url=settings.bot_file_url,
        request=HTTPXRequest(connect_timeout=wait, read_timeout=wait, write_timeout=wait),
    )
    attempt = 0
    while True:
        attempt += 1
        try:
            async with bot:  # initialize() is getMe
                return bot.username
        except InvalidToken as error:
            raise TokenRefused(
                f"Telegram refused BOT_TOKEN ({error}): check the token from @BotFather"
            ) from None
        except (NetworkError, TelegramError) as error:
            kind = "network error" if isinstance(error, NetworkError) else "error"
            pause = backoff(attempt, settings.reach_retry_first, settings.reach_retry_longest)
            log.warning(
                "reaching Telegram: %s (%s), attempt %d; retrying in %g s",
                kind,
                error,
                attempt,
                pause,
            )
            await sleep(pause)
