"""The yardstick: a bare python-telegram-bot echo bot, run in its own process
like ours (`python -m bench.echo_bot`, configured by BOT_TOKEN, BOT_API_URL,
ECHO_CONCURRENCY and ECHO_PER_SECOND: with the latter, PTB's own rate limiter
holds it to the same overall send limit as our bot, so both play by one rule)."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    builder = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_URL"])
        .concurrent_updates(int(os.environ.get("ECHO_CONCURRENCY", "16")))
    )
    if per_second := os.environ.get("ECHO_PER_SECOND"):
        # Retries after a 429 (the fake's strict mode holds every chat to one
        # message a second, which PTB's limiter does not count), as ours does.
        limiter = AIORateLimiter(overall_max_rate=float(per_second), max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=["message"])


if __name__ == "__main__":
    main()
