"""Logging for `python -m bot`: one format, and two filters on the root handlers.

- `Redact` masks the bot token and phone numbers wherever they appear, at every
  level: python-telegram-bot logs its Bot API URL (token inside) at DEBUG,
  updates are dumped at DEBUG (a shared contact's phone number inside), and
  aiosqlite logs every statement's parameters (a resident's row inside).
- `BriefNetworkErrors` turns a network error, time-out or 409 Conflict that
  python-telegram-bot logs with a traceback into one WARNING line: a polling
  glitch is the weather, not a bug.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from telegram.error import Conflict, NetworkError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TOKEN_MASK = "<token>"
PHONE_MASK = "<phone>"

# Any Bot API token shape (digits, a colon, 30+ URL-safe characters), plain or
# with the colon URL-encoded, besides the configured token itself.
TOKEN_SHAPE = re.compile(r"\b\d{5,}(?::|%3A)[A-Za-z0-9_-]{30,}")
# A value under a phone-ish key, in a repr (phone_number='...'), JSON ("phone": "...")
# or JSON inside a repr (\"phone\": \"...\").
PHONE_FIELD = re.compile(
    r"""(phone(?:_number)?\\?['"]?\s*[:=]\s*\\?['"]?)(\+?\d[\d \-()]{4,}\d)""", re.IGNORECASE
)
# An international number written with its plus sign: +852 9123 4567, +8613800138000.
PLUS_NUMBER = re.compile(r"(?<![\w+])\+\d[\d \-]{6,18}\d(?!\d)")
# A quoted string of 8 to 15 digits (an SQL parameter, a repr field): a phone
# number as Telegram shares it, without the plus. Ids are logged as integers.
QUOTED_DIGITS = re.compile(r"""(?<=['"])\+?\d{8,15}(?=\\?['"])""")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, TOKEN_MASK)
            text = text.replace(secret.replace(":", "%3A"), TOKEN_MASK)
    text = TOKEN_SHAPE.sub(TOKEN_MASK, text)
    text = PHONE_FIELD.sub(lambda m: m.group(1) + PHONE_MASK, text)
    text = PLUS_NUMBER.sub(PHONE_MASK, text)
    return QUOTED_DIGITS.sub(PHONE_MASK, text)


class Redact(logging.Filter):
    """Rewrites each record's message (and its traceback) with the secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("redact")
        self.secrets = tuple(s for s in secrets if s)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message, self.secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class BriefNetworkErrors(logging.Filter):
    """A traceback for a network error, a time-out or a 409 Conflict (from
    python-telegram-bot's polling, or an update's handler that met one) becomes
    one WARNING line naming the error."""

    def __init__(self) -> None:
        super().__init__("brief")

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        error = record.exc_info[1]
        if isinstance(error, NetworkError | Conflict):
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def install(handlers: Iterable[logging.Handler], secrets: Iterable[str] = ()) -> None:
    """The filters on `handlers`, brief first (it reads the exception), then redact."""
    secrets = tuple(secrets)
    for handler in handlers:
        for old in [f for f in handler.filters if isinstance(f, Redact | BriefNetworkErrors)]:
            handler.removeFilter(old)
        handler.addFilter(BriefNetworkErrors())
        handler.addFilter(Redact(secrets))


def configure(level: str, secrets: Iterable[str] = ()) -> None:
    """The process's logging: `level`, one line a record, secrets masked."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    install(logging.getLogger().handlers, secrets)
