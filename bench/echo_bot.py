"""The yardstick: a bare python-telegram-bot echo bot, run in its own process
like ours (`python -m bench.echo_bot`, configured by BOT_TOKEN, BOT_API_URL
and ECHO_CONCURRENCY)."""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def main() -> None:
    application = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_URL"])
        .concurrent_updates(int(os.environ.get("ECHO_CONCURRENCY", "16")))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=["message"])


if __name__ == "__main__":
    main()
