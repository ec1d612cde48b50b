"""Registers every handler on the Application, in the order they must match."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from handlers import (
    conversation,
    guard,
    health,
    incidents,
    membership,
    overview,
    patrol,
    registration,
    reports,
    staff_actions,
    staff_setup,
)
from handlers.common import Context, on_error
from handlers.context import services_of
from views.keyboards import estate_menu_labels

PROMPTS_GROUP = -1


async def on_stale_button(update: Update, context: Context) -> None:
    """A button nobody handles any more (an old message, a forged payload)."""
    query = update.callback_query
    assert query is not None
    t = await context.translator()
    await context.replies.answer(query, t.raw("error.stale"), alert=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(membership.reachable_handler(), group=membership.REACHABLE_GROUP)
    application.add_handler(staff_actions.prompt_reply_handler(), group=PROMPTS_GROUP)
    estate_labels = estate_menu_labels(services_of(application).estate)
    menu_labels = {label for labels in estate_labels.values() for label in labels}
    for handler in (
        *membership.membership_handlers(),
        *conversation.private_handlers(menu_labels),
        *staff_setup.setup_handlers(),
        *health.health_handlers(),
        *overview.overview_handlers(),
        *guard.duty_handlers(),
        *patrol.patrol_handlers(),
        *reports.report_handlers(),
        *incidents.incident_handlers(),
        *staff_actions.staff_handlers(),
        CallbackQueryHandler(registration.on_approval, pattern=r"^a:"),
        CallbackQueryHandler(on_stale_button),
        conversation.free_text_handler(),
    ):
        application.add_handler(handler)  # type: ignore[arg-type]
    application.add_error_handler(on_error)
