"""Keyboards residents see: the persistent main menu and small pickers."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.ext import filters

from views.callbacks import data
from views.i18n import Translator, all_labels

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


def main_menu(t: Translator) -> ReplyKeyboardMarkup:
    rows = [MENU_KEYS[0:2], MENU_KEYS[2:4], MENU_KEYS[4:6], MENU_KEYS[8:9], MENU_KEYS[6:8]]
    return ReplyKeyboardMarkup(
        [[t.raw(k) for k in row] for row in rows], resize_keyboard=True, is_persistent=True
    )


def share_phone(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.raw("button.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def menu_key(text: str | None) -> str | None:
    """Which menu entry a tapped label means, in whichever language it was shown."""
    if text is None:
        return None
    return next((key for key in MENU_KEYS if text in all_labels(key)), None)


def menu_filter() -> filters.BaseFilter:
    labels = sorted({label for key in MENU_KEYS for label in all_labels(key)})
    return filters.Text(labels)


GUARD_KEYS = ("guard.go_on", "guard.go_off", "guard.report")


def guard_filter() -> filters.BaseFilter:
    labels = sorted({label for key in GUARD_KEYS for label in all_labels(key)})
    return filters.Text(labels)


def free_text() -> filters.BaseFilter:
    """Typed text that is neither a command nor a menu tap."""
    return filters.TEXT & ~filters.COMMAND & ~menu_filter() & ~guard_filter()


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
