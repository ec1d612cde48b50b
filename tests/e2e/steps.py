"""Reusable steps people take, so tests read as what happens in the estate."""

from __future__ import annotations

import re
from typing import Any, Protocol

from playground.fake_telegram import FakeUser, Shown

REF = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")


class Estate(Protocol):
    """What the steps need of a running estate: in this process (the harness) or
    in another one (`python -m bot`, watched only through the fake Telegram)."""

    async def settle(self) -> None: ...

    async def press(self, user: FakeUser, message: Shown, label: str) -> str | None: ...


async def tap(estate: Estate, user: FakeUser, label: str, after: int = 0) -> Shown:
    """Wait for a message with this button in the user's private chat (newer
    than message id `after`), and press it."""
    message = await user.wait_for_button(label, after=after)
    await estate.press(user, message, label)
    return message


async def to_summary(
    estate: Estate,
    user: FakeUser,
    menu: str,
    text: str,
    *,
    where: str | None = "🏠",
    urgency: str | None = None,
    kind: str | None = None,
    photos: int = 0,
) -> Shown:
    """Answer every question from the menu on; returns the summary to confirm.
    Each press turns the pressed message into the next question, so the next
    button is looked for from the pressed message on."""
    mark = user.last_message_id()
    user.send(menu)
    await estate.settle()
    last = mark
    if kind is not None:
        last = (await tap(estate, user, kind, after=last)).message_id - 1
    if where is not None:
        last = (await tap(estate, user, where, after=last)).message_id - 1
    if urgency is not None:
        last = (await tap(estate, user, urgency, after=last)).message_id - 1
    user.send(text)
    for _ in range(photos):
        user.send_photo()
    await estate.settle()
    await user.wait_for_button("✅", after=last)
    # Done on the newest "added" message, as a person would press it.
    done = [m for m in user.private.bot_messages_after(last) if "✅" in " ".join(m.button_labels)]
    await estate.press(user, done[-1], "✅")
    return await user.wait_for_button("✏️", after=done[-1].message_id - 1)


async def file_case(
    estate: Estate, user: FakeUser, menu: str, text: str, *, same_as: bool = False, **answers: Any
) -> str:
    """File a case from the menu (answers as for `to_summary`); returns its reference.
    Asked whether it is about an earlier case of theirs, the resident answers
    `same_as` (default: no, a new problem)."""
    summary = await to_summary(estate, user, menu, text, **answers)
    await estate.press(user, summary, "✅")
    # The confirmation or the link question, not a late answer to an earlier photo.
    filed = await user.wait_for_reply(summary, accept=_filed_or_link)
    if link_question(filed):
        await estate.press(user, filed, _link_label(filed, same_as))
        filed = await user.wait_for_reply(filed, accept=_filed_or_link)
    match = REF.search(filed.text)
    assert match, user.transcript()
    return match.group(0)


def _filed_or_link(message: Shown) -> bool:
    return bool(REF.search(message.text)) or link_question(message)


def link_question(message: Shown) -> bool:
    """Whether this is "Is this about R2026-00042?" before a case is filed."""
    return any(
        (b.callback_data or "").startswith("n:link:") for row in message.buttons for b in row
    )


def _link_label(message: Shown, yes: bool) -> str:
    wanted = "n:link:yes" if yes else "n:link:no"
    return next(
        b.text for row in message.buttons for b in row if (b.callback_data or "").startswith(wanted)
    )


def last_text(user: FakeUser) -> str:
    return user.private.bot_messages()[-1].text


async def classify(
    estate: Estate,
    desk: FakeUser,
    line: Shown,
    category: str,
    severity: str | None = None,
    *,
    button: str = "🔀",
    team: str | None = None,
    urgency: str | None = None,
) -> None:
    """The front desk classifies a case from a line or card in its own group: the
    menu opens in its private chat, one question after another."""
    await estate.press(desk, line, button)
    for answer in (category, team, severity, urgency):
        if answer is not None:
            await estate.press(desk, desk.private.bot_messages()[-1], answer)
