"""`/overview`: every open case by rung and team, overdue ones first, each
linked to its card, for the manager, the cs supervisor and the front desk."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from telegram import Update
from telegram.ext import CommandHandler

from delivery.records import Card
from handlers.common import Context, allowed
from views.cards import summary_line
from views.i18n import Markup, Translator
from workflow.deadlines import is_overdue, next_due
from workflow.model import Case
from workflow.permissions import OVERVIEW_ROLES
from workflow.roles import Role, ladder_from

SHOWN_PER_RUNG = 15


async def overview(update: Update, context: Context) -> None:
    t = await allowed(update, context, OVERVIEW_ROLES)
    if t is None:
        return
    cases = await context.casebook.open_cases()
    cards = await context.services.boards.cards_of([c.id for c in cases])
    now = context.clock.now()
    if not cases:
        await context.replies.reply(update, t("overview.none"))
        return
    by_rung: dict[Role, list[Case]] = defaultdict(list)
    for case in cases:
        by_rung[case.rung].append(case)
    lines = [
        t("overview.title", count=len(cases), overdue=sum(1 for c in cases if is_overdue(c, now)))
    ]
    # Highest rungs first: what reached the manager matters most.
    for rung in sorted(by_rung, key=lambda r: len(ladder_from(r))):
        group = sorted(by_rung[rung], key=lambda c: (not is_overdue(c, now), next_due(c)))
        lines.append(t("overview.rung", rung=t.raw("role." + rung), count=len(group)))
        lines += [_line(c, cards.get(c.id, []), now, t) for c in group[:SHOWN_PER_RUNG]]
        if len(group) > SHOWN_PER_RUNG:
            lines.append(t("overview.more", count=len(group) - SHOWN_PER_RUNG))
    await context.replies.reply(update, "\n".join(lines), link_preview=False)


def _line(case: Case, cards: list[Card], now: datetime, t: Translator) -> str:
    label = summary_line(case, t)
    link = next((_link(c) for c in cards if _link(c)), None)
    if link:
        label = Markup(f'<a href="{link}">{label}</a>')
    due = next_due(case)
    if is_overdue(case, now):
        return t("overview.overdue", case=label, late=t.duration(now - due))
    return t("overview.due", case=label, when=t.when(due))


def _link(card: Card) -> str | None:
    """Telegram links to a message only in supergroups (ids -100…)."""
    text = str(card.chat_id)
    if not text.startswith("-100"):
        return None
    return f"https://t.me/c/{text[4:]}/{card.message_id}"


def overview_handlers() -> list[object]:
    return [CommandHandler("overview", overview)]
