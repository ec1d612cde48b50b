"""A local, stateful fake of the Telegram Bot API.

It speaks the Bot API over HTTP the way python-telegram-bot uses it, keeps
every chat's messages as Telegram would show them (after edits and
deletions), and lets tests and the playground act as users: send messages,
photos, contacts and locations, press buttons. It refuses what Telegram
refuses (bad HTML, over-long texts, unchanged edits, users who never started
the bot), and can add latency, flood limits and faults on request.
"""

from playground.fake_telegram.server import FakeTelegramServer
from playground.fake_telegram.world import Chat, FakeUser, Shown, TelegramError, World

__all__ = ["Chat", "FakeTelegramServer", "FakeUser", "Shown", "TelegramError", "World"]
