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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_timedelta
from babel.lists import format_list
from babel.messages.pofile import read_po

from workflow.estate import EstateConfig

Language = Literal["zh-Hant", "zh-Hans", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-Hant", "zh-Hans", "en")
DEFAULT: Language = "zh-Hant"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "estate_desk"
_FOLDER = {"zh-Hant": "zh_Hant", "zh-Hans": "zh_Hans", "en": "en"}
# English as a Hong Kong office writes it: British (day-month dates, no serial comma).
_BABEL = {"zh-Hant": "zh_Hant_HK", "zh-Hans": "zh_Hans_CN", "en": "en_GB"}
# Dates and times as each language writes them in the estate: "12月1日 16:12",
# "1 Dec 16:12"; a 24-hour clock in all three.
_WHEN = {"zh-Hant": "M月d日 HH:mm", "zh-Hans": "M月d日 HH:mm", "en": "d MMM HH:mm"}
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


_NUMBER_THEN_CHINESE = re.compile(r"(\d)(?=[\u3400-\u9fff])")

ROLE_PLACEHOLDER = "role_"
"""A catalogue text may name a role in its running text as `{role_front_desk}`: the
translator fills it with that role's name (the estate's own word, if it has one)."""


class Translator:
    """Texts in one language. Parameters are HTML-escaped: whatever a
    resident typed cannot break (or inject into) a message staff read.

    `words` are the estate's own (`EstateConfig.own_words`): a renamed role or
    category (`role.manager`, `category.repair`) is looked up there before the
    catalogue, so every message naming it uses the office's word; the names of
    buildings, shifts and checkpoints come from there too."""

    def __init__(
        self, language: Language, timezone: ZoneInfo, words: Mapping[str, str] | None = None
    ) -> None:
        self.language = language
        self.timezone = timezone
        self._messages = catalogue(language).messages
        self._own: Mapping[str, str] = words or {}

    def __call__(self, key: str, **params: Any) -> str:
        own = self._own.get(key)
        if own is not None:
            return html.escape(own, quote=False)
        text = self._messages.get(key)
        if text is None:
            raise KeyError(f"no message {key!r} in the {self.language} catalogue")
        params = self._with_roles(text, params)
        return text.format(**{k: _escape(v) for k, v in params.items()}) if params else text

    def raw(self, key: str, **params: Any) -> str:
        """Without HTML escaping, for button labels (which are plain text)."""
        own = self._own.get(key)
        if own is not None:
            return own
        text = self._messages[key]
        params = self._with_roles(text, params)
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._own or key in self._messages

    def is_own(self, key: str) -> bool:
        """Whether the estate has its own word for this (a renamed role or category)."""
        return key in self._own

    def count(self, key: str, count: int, **params: Any) -> str:
        """A message about `count` things, in the form the language takes for that
        number: `key.one` where it has one for it (English "1 photo"), else `key`
        ("3 photos"; Chinese has one form, the measure word in the text: 3 張相片)."""
        form = _plural_form(self.language, count)
        chosen = f"{key}.{form}" if form != "other" and self.has(f"{key}.{form}") else key
        return self(chosen, count=count, **params)

    def ordinal(self, number: int) -> str:
        """The n-th as words where the catalogue has them ("second", 第二次 around
        the 二), else the number in the language's ordinal form ("21st", 第21次)."""
        key = f"ordinal.{number}"
        if self.has(key):
            return self.raw(key)
        form = str(_locale(self.language).ordinal_form(number))
        chosen = f"ordinal.{form}" if form != "other" and self.has(f"ordinal.{form}") else "ordinal"
        return self.raw(chosen, count=number)

    def _with_roles(self, text: str, params: dict[str, Any]) -> dict[str, Any]:
        if ROLE_PLACEHOLDER not in text:
            return params
        named = {
            name: self.raw("role." + name.removeprefix(ROLE_PLACEHOLDER))
            for name in placeholders(text)
            if name.startswith(ROLE_PLACEHOLDER) and name not in params
        }
        return {**params, **named}

    def estate_name(self) -> str:
        return self._own.get("estate.name", "")

    def building(self, building_id: str | None) -> str:
        """A building's name in this language: the estate's, else "A座" / "A栋" / "Block A"."""
        if not building_id:
            return ""
        own = self._own.get("building." + building_id)
        return own if own is not None else self.raw("building.unnamed", id=building_id)

    def shift(self, shift_id: str) -> str:
        return self._own.get("shift." + shift_id, shift_id)

    def checkpoint(self, checkpoint_id: str) -> str:
        return self._own.get("checkpoint." + checkpoint_id, checkpoint_id)

    def home(self, building_id: str | None, unit: str | None) -> str:
        """A resident's flat, "A座 12A室" / "Block A, flat 12A"; "-" when unknown."""
        if not unit:
            return "-"
        return self.raw("where.unit", building=self.building(building_id), unit=unit)

    def join(self, items: Iterable[str]) -> str:
        """Listed items as this language separates them ("、" in Chinese, ", " in English)."""
        return self._messages["list.separator"].join(items)

    def and_list(self, items: Iterable[str]) -> str:
        """Items within a sentence, the last joined as the language does: "a, b, and c",
        "a、b及c" (Hong Kong), "a、b和c" (mainland)."""
        listed = list(items)
        return str(format_list(listed, locale=_BABEL[self.language])) if listed else ""

    def duration(self, value: timedelta) -> str:
        text = str(
            format_timedelta(value, locale=_BABEL[self.language], threshold=2, granularity="minute")
        )
        # Babel writes "5分钟" for the mainland but "5 分鐘" for Hong Kong; the catalogues
        # space numbers from Chinese words ("第 3 次", "1 个附件"), so durations do too.
        return _NUMBER_THEN_CHINESE.sub(r"\1 ", text)

    def when(self, value: datetime) -> str:
        return str(
            format_datetime(
                value, _WHEN[self.language], tzinfo=self.timezone, locale=_BABEL[self.language]
            )
        )


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(_BABEL[language])


def _plural_form(language: Language, count: int) -> str:
    """CLDR's plural category: "one" or "other" in English, always "other" in Chinese."""
    return str(_locale(language).plural_form(count))


def translator_for(estate: EstateConfig, language: str | None) -> Translator:
    """A translator in this language (else the estate's default) with the estate's own words."""
    chosen = language_for(language, estate.default_language)
    return Translator(chosen, estate.zone, estate.own_words(chosen))


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
