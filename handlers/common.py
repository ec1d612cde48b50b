"""What many handlers share: the context type, a permission check for
commands, and a translated reply for errors a user can cause."""

from __future__ import annotations

import logging

from telegram import Update

from handlers.context import DeskContext, actor_from
from views.i18n import Translator
from workflow.errors import (
    CaseNotFound,
    DomainError,
    IllegalTransition,
    InvalidCommand,
    NotAllowed,
    TooManyCases,
)
from workflow.roles import Role

log = logging.getLogger("estate_desk.handlers")

Context = DeskContext

__all__ = ["Context", "actor_from", "allowed", "error_text", "on_error"]


async def allowed(update: Update, context: Context, roles: frozenset[Role]) -> Translator | None:
    """For commands some roles (and admins) may use: the chat's translator, or
    None after telling anyone else they may not."""
    t = await context.chat_translator()
    actor = await context.actor()
    if actor.roles & roles or context.is_admin():
        return t
    await context.replies.reply(update, t("error.not_allowed"))
    return None


def error_text(error: DomainError, t: Translator) -> str:
    """A domain error, as the person who caused it should read it."""
    details = error.details
    if details.get("guards_complaint"):
        return t("error.guards_complaint")
    if isinstance(error, NotAllowed):
        return t("error.not_allowed")
    if isinstance(error, TooManyCases):
        return t(
            "error.too_many_cases",
            limit=details["limit"],
            within=t.duration(details["window"]),  # type: ignore[arg-type]
            when=t.when(details["retry_at"]),  # type: ignore[arg-type]
        )
    if isinstance(error, CaseNotFound):
        return t("error.case_not_found")
    if isinstance(error, IllegalTransition):
        if details.get("feedback_given"):
            return t("error.feedback_given")
        if details.get("too_late"):
            return t("error.too_late")
        if details.get("missing"):
            return t("error.critical_steps", missing=t("deadline." + str(details["missing"])))
        status = details.get("status")
        if details.get("by") is not None:
            return t("error.already_taken", status=t.raw("status.word." + str(status)))
        return t("error.state", status=t.raw("status.word." + str(status)))
    if isinstance(error, InvalidCommand):
        if details.get("media") == "photos":
            return t("file.too_many_photos", limit=details.get("limit"))
        if details.get("media") == "voice":
            return t("file.too_many_voice", limit=details.get("limit"))
        return t("error.invalid")
    return t("error.generic")


async def on_error(update: object, context: Context) -> None:
    """Anything unexpected: log it, and tell the user something went wrong
    rather than leaving them waiting."""
    log.error("an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_user is not None:
        t = await context.translator()
        if update.callback_query is not None:
            try:
                await context.replies.answer(
                    update.callback_query, t.raw("error.generic.short"), alert=True
                )
            except Exception:  # the query may be too old to answer
                log.debug("could not answer the failed callback query")
        elif update.effective_message is not None:
            await context.replies.reply(update, t("error.generic"))
