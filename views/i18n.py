"""Every user-facing word, from the gettext catalogues in `locales/`.

The `.po` files are read directly at start-up (no compile step). Message ids
are stable keys such as `welcome.new`; texts use `{name}` placeholders and
Telegram's HTML. Telegram's language tags are mapped here, because Python's
gettext on its own falls from zh_Hant_TW to plain zh (Simplified).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.lists import format_list
from babel.messages.pofile import read_po

Language = Literal["zh-Hant", "zh-Hans", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-Hant", "zh-Hans", "en")
DEFAULT: Language = "zh-Hant"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "estate_desk"
_FOLDER = {"zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans", "en": "en"}
# English as a Hong Kong office writes it: British (day-month dates, no serial comma).
_BABEL = {"zh-Hant": "zh_Hant_HK", "zh-Hans": "zh_Hans_CN", "en": "en_GB"}
_HANT = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def language_for(tag: str | None, default: Language = DEFAULT) -> Language:
    """Map Telegram's `language_code` (an IETF tag) to one of our catalogues."""
    if not tag:
        return default
    tag = tag.strip().lower().replace("_", "-")
    if tag.startswith(_HANT):
        return "zh-Hant"
    if tag == "zh" or tag.startswith("zh-"):
        return "zh-Hans"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return default


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalogue:
    language: Language
    messages: dict[str, str]


@cache
def catalogue(language: Language) -> Catalogue:
    path = LOCALES_DIR / _FOLDER[language] / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=_BABEL[language])
    messages = {str(m.id): str(m.string) for m in po if m.id and m.string}
    return Catalogue(language, messages)


class Translator:
    """Texts in one language. Parameters are HTML-escaped: whatever a
    resident typed cannot break (or inject into) a message staff read."""

    def __init__(self, language: Language, timezone: ZoneInfo) -> None:
        self.language = language
        self.timezone = timezone
        self._messages = catalogue(language).messages

    def __call__(self, key: str, **params: Any) -> str:
        text = self._messages.get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the {self.language} catalogue")
        return text.format(**{k: _escape(v) for k, v in params.items()}) if params else text

    def raw(self, key: str, **params: Any) -> str:
        """Without HTML escaping, for button labels (which are plain text)."""
        text = self._messages[key]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def join(self, items: Iterable[str]) -> str:
        """Listed items as this language separates them ("、" in Chinese, ", " in English)."""
        return self._messages["list.separator"].join(items)

    def and_list(self, items: Iterable[str]) -> str:
        """Items within a sentence, the last joined as the language does: "a, b, and c",
        "a、b及c" (Hong Kong), "a、b和c" (mainland)."""
        listed = list(items)
        return str(format_list(listed, locale=_BABEL[self.language])) if listed else ""

    def duration(self, value: timedelta) -> str:
        return str(
            format_timedelta(value, locale=_BABEL[self.language], threshold=2, granularity="minute")
        )

    def when(self, value: datetime) -> str:
        return str(
            format_datetime(value, "short", tzinfo=self.timezone, locale=_BABEL[self.language])
        )


def plain(markup: str) -> str:
    """Telegram HTML as plain text, for alerts and button labels."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _escape(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape(str(value), quote=False)


class Markup(str):
    """Text already in Telegram HTML (built from our own catalogue), not escaped again."""


def all_labels(key: str) -> set[str]:
    """A button label in every language, to recognise a tap whatever the
    language was when the keyboard was sent."""
    return {catalogue(language).messages[key] for language in LANGUAGES}
