"""What every handler needs: the services, who is talking, in which language,
and a translated reply for errors a user can cause."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update, User
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.services import Services, services
from views.i18n import Language, Translator, language_for
from workflow.directory import Person
from workflow.errors import CaseNotFound, DomainError, IllegalTransition, InvalidCommand, NotAllowed
from workflow.model import Actor
from workflow.roles import Role

log = logging.getLogger("estate_desk.handlers")

Context = ContextTypes.DEFAULT_TYPE


def svc(context: Context) -> Services:
    return services(context.application)


async def person_of(context: Context, user: User | None) -> Person | None:
    if user is None:
        return None
    async with svc(context).store.reading() as tx:
        return await tx.person(user.id)


def translator(context: Context, language: str | None) -> Translator:
    s = svc(context)
    return Translator(language_for(language, s.estate.default_language), s.estate.zone)


async def language_of(context: Context, user: User | None) -> Language:
    s = svc(context)
    person = await person_of(context, user)
    if person is not None and person.language:
        return language_for(person.language, s.estate.default_language)
    return language_for(user.language_code if user else None, s.estate.default_language)


async def t_user(update: Update, context: Context) -> Translator:
    """The translator for whoever sent this update (their chosen language, else
    Telegram's guess, else the estate's default)."""
    return translator(context, await language_of(context, update.effective_user))


async def t_chat(update: Update, context: Context) -> Translator:
    """In a staff group, the group's language; in a private chat, the user's."""
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        async with svc(context).store.reading() as tx:
            groups = [g for g in await tx.role_groups() if g.chat_id == chat.id]
        if groups:
            return translator(context, groups[0].language)
        return translator(context, None)
    return await t_user(update, context)


async def actor_of(context: Context, user: User | None) -> Actor:
    """The roles someone holds come from the directory, never from the chat
    they happen to press a button in."""
    return actor_from(await person_of(context, user), user.id if user else None)


def actor_from(person: Person | None, user_id: int | None) -> Actor:
    """The actor for a person already looked up (saves reading them again)."""
    roles = set(person.staff_roles) if person else set()
    if person is not None and person.is_resident:
        roles.add(Role.RESIDENT)
    return Actor(user_id, frozenset(roles))


def is_admin(context: Context, user_id: int | None) -> bool:
    return user_id is not None and user_id in svc(context).settings.admin_ids


async def allowed(update: Update, context: Context, roles: frozenset[Role]) -> Translator | None:
    """For commands some roles (and admins) may use: the chat's translator, or
    None after telling anyone else they may not."""
    t = await t_chat(update, context)
    user = update.effective_user
    actor = await actor_of(context, user)
    if actor.roles & roles or is_admin(context, user.id if user else None):
        return t
    await reply(update, t("error.not_allowed"))
    return None


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, parse_mode=ParseMode.HTML, **kwargs)


def error_text(error: DomainError, t: Translator) -> str:
    """A domain error, as the person who caused it should read it."""
    details = error.details
    if isinstance(error, NotAllowed):
        return t("error.not_allowed")
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
        return t("error.invalid")
    return t("error.generic")


async def on_error(update: object, context: Context) -> None:
    """Anything unexpected: log it, and tell the user something went wrong
    rather than leaving them waiting."""
    log.error("an update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_user is not None:
        t = await t_user(update, context)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(t.raw("error.generic.short"), show_alert=True)
            except Exception:  # the query may be too old to answer
                log.debug("could not answer the failed callback query")
        elif update.effective_message is not None:
            await reply(update, t("error.generic"))
