"""A resident's way in: /start (and the deep links it carries), help, the
language, and the main menu's buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from handlers import (
    filing,
    guard,
    my_cases,
    notices,
    patrol,
    registration,
    staff_setup,
    surveys,
)
from handlers.common import Context
from handlers.states import Next
from views.callbacks import Payload
from views.i18n import language_for
from views.keyboards import (
    estate_menu_labels,
    language_picker,
    main_menu,
    menu_for,
    menu_key,
    pending_menu,
)
from workflow.directory import Person
from workflow.roles import Role


async def start(update: Update, context: Context) -> Next:
    user = update.effective_user
    assert user is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith("inv-"):
        await staff_setup.accept_invite(update, context, payload.removeprefix("inv-"))
        return ConversationHandler.END
    if payload.startswith("cp-"):
        await patrol.scan(update, context, payload.removeprefix("cp-"))
        return ConversationHandler.END
    estate = context.estate
    person = await context.directory.welcome(
        Person(
            user_id=user.id,
            name=user.full_name,
            language=language_for(user.language_code, estate.default_language),
        )
    )
    context.remember(person)
    t = context.translator_for(person.language)
    if person.is_resident:
        await context.replies.reply(
            update, t("welcome.back", name=person.name, estate=t.estate_name()), main_menu(t)
        )
        return ConversationHandler.END
    if person.staff_roles:
        await context.replies.reply(
            update,
            t(
                "welcome.staff",
                name=person.name,
                roles=t.join(t.raw("role." + r) for r in person.staff_roles),
            ),
        )
        if Role.GUARD in person.staff_roles:
            await guard.show_menu(update, context, t)
        return ConversationHandler.END
    if person.resident_status == "pending":
        await context.replies.reply(update, t("register.pending"), pending_menu(t))
        return ConversationHandler.END
    await context.replies.reply(update, t("welcome.new", estate=t.estate_name()))
    return await registration.begin(update, context)


async def on_free_text(update: Update, context: Context) -> None:
    """Something typed in the private chat outside any flow: never left without
    an answer. Say what can be done from here, with the keyboard to do it."""
    t = await context.translator()
    person = await context.person()
    status = person.resident_status if person else "none"
    if status == "approved":
        if await surveys.answer_typed(update, context):
            return  # the answer to a survey's free-text question
        await context.replies.reply(update, t("free_text.resident"), main_menu(t))
    elif status == "pending":
        await context.replies.reply(update, t("free_text.pending"), pending_menu(t))
    elif person is not None and person.staff_roles:
        await context.replies.reply(update, t("free_text.staff"))
        if Role.GUARD in person.staff_roles:
            await guard.show_menu(update, context, t)
    else:
        await context.replies.reply(update, t("file.register_first"))


async def show_help(update: Update, context: Context) -> None:
    t = await context.translator()
    await context.replies.reply(update, t("help.resident"))


async def choose_language(update: Update, context: Context) -> None:
    t = await context.translator()
    await context.replies.reply(update, t("language.choose"), language_picker(t))


async def on_language(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    payload = Payload.decode(query.data)
    language = language_for(payload.target if payload else None, context.estate.default_language)
    person = await context.directory.set_language(user.id, user.full_name, language)
    context.remember(person)
    await context.replies.answer(query)
    t = context.translator_for(language)
    markup = menu_for(t, person.resident_status)
    await context.replies.send(user.id, t("language.set"), markup)


async def on_menu(update: Update, context: Context) -> Next:
    assert update.effective_message is not None
    key = menu_key(update.effective_message.text, estate_menu_labels(context.estate))
    if key in filing.MENU_CATEGORY:
        return await filing.begin(update, context, filing.MENU_CATEGORY[key])
    if key == "menu.my_cases":
        await my_cases.my_cases(update, context)
    elif key == "menu.notices":
        await notices.show_current(update, context)
    elif key == "menu.language":
        await choose_language(update, context)
    else:
        await show_help(update, context)
    return ConversationHandler.END
