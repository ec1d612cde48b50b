"""The layers point one way, and handlers answer only through delivery.replies."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message

from delivery.replies import Replies, would_change

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted((ROOT / "handlers").glob("*.py"))
# Everything outside delivery/ that the bot runs (the playground, benchmarks and
# tests drive the fake Telegram and are not the bot).
OUTSIDE_DELIVERY = sorted(
    path
    for package in ("bot", "handlers", "views", "workflow")
    for path in (ROOT / package).rglob("*.py")
)
TELEGRAM_CALLS = re.compile(
    r"\.(send_message|reply_text|edit_message_\w+|send_photo|send_document|send_voice"
    r"|send_media_group|create_forum_topic|copy_message|forward_message)\("
)


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_nothing_outside_delivery_sends_or_edits_a_message_itself() -> None:
    calls = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in OUTSIDE_DELIVERY
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TELEGRAM_CALLS.search(line)
    ]
    assert calls == []


def test_no_handler_imports_the_bot_package() -> None:
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m == "bot" or m.startswith("bot."))
        for path in HANDLERS
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_the_core_imports_no_telegram_and_no_outer_layer() -> None:
    outer = ("telegram", "bot", "handlers", "delivery", "views", "playground")
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] in outer)
        for path in sorted((ROOT / "workflow").rglob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


# --- the replies facade never sends an edit that would change nothing ------------------------


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=x) for x in labels]])


def shown(text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    return Message(
        1, datetime(2026, 11, 2, tzinfo=UTC), Chat(5, "private"), text=text, reply_markup=markup
    )


class PressedButton:
    """A callback query as far as the facade looks at it, recording what it was asked."""

    def __init__(self, message: Message | None) -> None:
        self.message = message
        self.calls: list[tuple[str, Any]] = []

    async def edit_message_text(self, text: str, **kwargs: Any) -> None:
        self.calls.append(("text", text))

    async def edit_message_reply_markup(self, markup: Any = None) -> None:
        self.calls.append(("markup", markup))


def test_an_edit_to_the_same_text_and_buttons_changes_nothing() -> None:
    message = shown("Case R2026-00001 & more", keyboard("Acknowledge"))
    assert not would_change(message, "<b>Case R2026-00001 &amp; more</b>", keyboard("Acknowledge"))
    assert would_change(message, "Case R2026-00001 & more", keyboard("Done"))
    assert would_change(message, "Case R2026-00002", keyboard("Acknowledge"))
    assert would_change(message, "Case R2026-00001 & more", None)
    assert would_change(None, "anything", None)  # a message too old to see: let Telegram judge


async def test_the_facade_skips_identical_edits_and_sends_real_ones() -> None:
    replies = Replies(bot=None)  # type: ignore[arg-type]
    same = PressedButton(shown("Rate it", keyboard("★")))
    await replies.edit_text(same, "Rate it", keyboard("★"))  # type: ignore[arg-type]
    await replies.edit_buttons(same, keyboard("★"))  # type: ignore[arg-type]
    assert same.calls == []

    bare = PressedButton(shown("Thanks"))
    await replies.remove_buttons(bare)  # type: ignore[arg-type]
    assert bare.calls == []  # no buttons to remove

    changed = PressedButton(shown("Rate it", keyboard("★")))
    await replies.edit_text(changed, "Thanks")  # type: ignore[arg-type]
    await replies.remove_buttons(changed)  # type: ignore[arg-type]
    assert [kind for kind, _ in changed.calls] == ["text", "markup"]
