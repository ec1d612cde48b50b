"""Keyboards residents see: the persistent main menu and small pickers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.ext import filters

from views.callbacks import data
from views.i18n import LANGUAGES, Translator, all_labels, translator_for
from workflow.estate import EstateConfig

MENU_KEYS = (
    "menu.repair",
    "menu.cleaning",
    "menu.security",
    "menu.management",
    "menu.assistance",
    "menu.my_cases",
    "menu.language",
    "menu.help",
    "menu.notices",
)


MENU_CATEGORIES = {
    "menu.repair": "repair",
    "menu.cleaning": "cleaning",
    "menu.security": "security",
    "menu.management": "management",
    "menu.assistance": "assistance",
}
"""The menu entries that file a case of a category (handlers/filing.py MENU_CATEGORY)."""


def menu_label(key: str, t: Translator) -> str:
    """A menu entry's label. An entry for a category the estate renamed reads as the
    estate's word, after the entry's icon ("🔧 修繕" rather than "🔧 報修")."""
    category = MENU_CATEGORIES.get(key)
    if category is not None and t.is_own("category." + category):
        icon = t.raw(key).split(" ", 1)[0]
        return f"{icon} {t.raw('category.' + category)}"
    return t.raw(key)


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    rows = [MENU_KEYS[0:2], MENU_KEYS[2:4], MENU_KEYS[4:6], MENU_KEYS[8:9], MENU_KEYS[6:8]]
    return ReplyKeyboardMarkup(
        [[menu_label(k, t) for k in row] for row in rows], resize_keyboard=True, is_persistent=True
    )


PENDING_MENU_KEYS = ("menu.language", "menu.help")
"""What a resident waiting for the front desk's approval may use: nothing that files."""


def pending_menu(t: Translator) -> ReplyKeyboardMarkup:
    """The keyboard of a resident whose registration is pending."""
    return ReplyKeyboardMarkup(
        [[t.raw(k) for k in PENDING_MENU_KEYS]], resize_keyboard=True, is_persistent=True
    )


def menu_for(t: Translator, status: str) -> ReplyKeyboardMarkup | None:
    """The keyboard for a resident in this registration status (None: not one)."""
    if status == "approved":
        return main_menu(t)
    if status == "pending":
        return pending_menu(t)
    return None


def estate_menu_labels(estate: EstateConfig) -> dict[str, frozenset[str]]:
    """Each menu entry's labels in every language with the estate's words (its renamed
    categories), to recognise a tap on them beside the catalogue's own labels."""
    translators = [translator_for(estate, language) for language in LANGUAGES]
    return {key: frozenset(menu_label(key, t) for t in translators) for key in MENU_KEYS}


def share_phone(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.raw("button.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def menu_key(
    text: str | None, estate_labels: Mapping[str, frozenset[str]] | None = None
) -> str | None:
    """Which menu entry a tapped label means, in whichever language it was shown
    (and with the estate's own words, where it has them)."""
    if text is None:
        return None
    own = estate_labels or {}
    return next(
        (key for key in MENU_KEYS if text in all_labels(key) or text in own.get(key, ())), None
    )


def menu_filter(extra: Iterable[str] = ()) -> filters.BaseFilter:
    labels = sorted({label for key in MENU_KEYS for label in all_labels(key)} | set(extra))
    return filters.Text(labels)


GUARD_KEYS = ("guard.go_on", "guard.go_off", "guard.report")


def guard_filter() -> filters.BaseFilter:
    labels = sorted({label for key in GUARD_KEYS for label in all_labels(key)})
    return filters.Text(labels)


def free_text(menu_labels: Iterable[str] = ()) -> filters.BaseFilter:
    """Typed text that is neither a command nor a menu tap (`menu_labels`: the
    estate's own labels of the menu, beside the catalogue's)."""
    return filters.TEXT & ~filters.COMMAND & ~menu_filter(menu_labels) & ~guard_filter()


def inline(
    rows: Iterable[Iterable[tuple[str, str, str, object, object]]],
) -> InlineKeyboardMarkup:
    """Rows of (label, scope, action, target, arg) as an inline keyboard."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=data(scope, action, target, arg))
                for label, scope, action, target, arg in row
            ]
            for row in rows
        ]
    )


def language_picker(t: Translator) -> InlineKeyboardMarkup:
    """Each language named in itself (the same words in every catalogue)."""
    codes = ("zh-Hant", "zh-Hans", "en")
    names = [t.raw("language.name." + code.lower().replace("-", "_")) for code in codes]
    return inline([[(name, "l", "set", code, "") for name, code in zip(names, codes, strict=True)]])
