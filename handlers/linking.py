"""Before a resident's case is filed: is it about one of their earlier cases?

The seed's rule for a repeat complaint is the same service complained about
twice by the same resident. Only the resident can
say whether a new case is that, so when they file a category they have an open
or recent case of, they are asked ("Is this about R2026-00042?") and their
answer decides. A different problem of the same kind is a new case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.common import Context
from views.i18n import Translator
from views.keyboards import inline
from workflow.model import Category

Ask = Callable[[str, InlineKeyboardMarkup], Awaitable[None]]


async def offered(context: Context, draft: dict[str, Any], t: Translator, ask: Ask) -> bool:
    """Ask once per draft (with `ask`: in place of the pressed summary); True
    when the question was asked (the answer files it)."""
    if draft.get("link_asked"):
        return False
    draft["link_asked"] = True
    person = await context.person()
    if person is None:
        return False
    earlier = await context.services.desk.link_offer(person.user_id, Category(draft["category"]))
    if earlier is None:
        return False
    draft["link_offer"] = earlier.id
    keyboard = inline(
        [
            [(t.raw("button.link_yes", ref=earlier.ref), "n", "link", "yes", "")],
            [(t.raw("button.link_no"), "n", "link", "no", "")],
        ]
    )
    await ask(t("file.link", ref=earlier.ref), keyboard)
    return True


def answered(draft: dict[str, Any], yes: bool) -> None:
    """The resident's answer: the earlier case this one repeats, or none."""
    offer = draft.get("link_offer")
    draft["repeat_of"] = int(offer) if yes and offer is not None else None
