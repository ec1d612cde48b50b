"""The resident's private chat: start, menu, language, my cases, feedback.

Everything a resident does is one conversation per private chat (see
`conversation()`), so a menu tap always means the menu, whatever step a
half-finished flow was at.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import filing, guard, patrol, registration, staff_setup
from handlers.common import (
    Context,
    actor_of,
    error_text,
    person_of,
    reply,
    svc,
    t_user,
    translator,
)
from handlers.states import (
    ADD_INFO,
    AGAIN,
    COMMENT,
    F_BUILDING,
    F_CONFIRM,
    F_DESCRIBE,
    F_KIND,
    F_SPOT,
    F_URGENCY,
    F_WHERE,
    G_REPORT,
    G_WHERE,
    REG_BUILDING,
    REG_NAME,
    REG_PHONE,
    REG_UNIT,
)
from views.callbacks import Payload
from views.cards import summary_line
from views.i18n import Translator, language_for, plain
from views.keyboards import (
    free_text,
    guard_filter,
    inline,
    language_picker,
    main_menu,
    menu_filter,
    menu_key,
)
from views.notices import photo_ref
from workflow import commands as cmd
from workflow import decisions
from workflow.directory import Person
from workflow.errors import DomainError
from workflow.model import Case, Status
from workflow.roles import Role

PRIVATE = filters.ChatType.PRIVATE
MY_CASES_SHOWN = 10


# --- start, help, language ---------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    user = update.effective_user
    assert user is not None
    payload = context.args[0] if context.args else ""
    if payload.startswith("inv-"):
        await staff_setup.accept_invite(update, context, payload.removeprefix("inv-"))
        return ConversationHandler.END
    if payload.startswith("cp-"):
        await patrol.scan(update, context, payload.removeprefix("cp-"))
        return ConversationHandler.END
    s = svc(context)
    person = await person_of(context, user)
    if person is None:
        person = Person(
            user_id=user.id,
            name=user.full_name,
            language=language_for(user.language_code, s.estate.default_language),
        )
    person.reachable = True
    async with s.store.transaction() as tx:
        await tx.save_person(person, s.clock.now())
    t = translator(context, person.language)
    if person.is_resident:
        await reply(
            update,
            t("welcome.back", name=person.name, estate=s.estate.name),
            reply_markup=main_menu(t),
        )
        return ConversationHandler.END
    if person.staff_roles:
        await reply(
            update,
            t(
                "welcome.staff",
                name=person.name,
                roles=", ".join(t.raw("role." + r) for r in person.staff_roles),
            ),
        )
        if Role.GUARD in person.staff_roles:
            await guard.show_menu(update, context, t)
        return ConversationHandler.END
    if person.resident_status == "pending":
        await reply(update, t("register.pending"))
        return ConversationHandler.END
    await reply(update, t("welcome.new", estate=s.estate.name))
    return await registration.begin(update, context)


async def show_help(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    await reply(update, t("help.resident"))


async def choose_language(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    await reply(update, t("language.choose"), reply_markup=language_picker(t))


async def on_language(update: Update, context: Context) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    payload = Payload.decode(query.data)
    s = svc(context)
    language = language_for(payload.target if payload else None, s.estate.default_language)
    async with s.store.transaction() as tx:
        person = await tx.person(user.id) or Person(user_id=user.id, name=user.full_name)
        person.language = language
        await tx.save_person(person, s.clock.now())
    await query.answer()
    t = translator(context, language)
    markup = main_menu(t) if person.is_resident else None
    await context.bot.send_message(
        user.id, t("language.set"), parse_mode=ParseMode.HTML, reply_markup=markup
    )


# --- the menu ---------------------------------------------------------------------------


async def on_menu(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    key = menu_key(update.effective_message.text)
    if key in filing.MENU_CATEGORY:
        return await filing.begin(update, context, filing.MENU_CATEGORY[key])
    if key == "menu.my_cases":
        await my_cases(update, context)
    elif key == "menu.language":
        await choose_language(update, context)
    else:
        await show_help(update, context)
    return ConversationHandler.END


async def my_cases(update: Update, context: Context) -> None:
    user = update.effective_user
    assert user is not None
    t = await t_user(update, context)
    async with svc(context).store.transaction() as tx:
        cases = await tx.cases_of_reporter(user.id, MY_CASES_SHOWN)
    if not cases:
        await reply(update, t("my_cases.none"))
        return
    lines = [t("my_cases.title")]
    lines += [
        t("my_cases.line", case=summary_line(c, t), status=t.raw("status.word." + c.status))
        for c in cases
    ]
    keyboard = inline([[(c.ref, "m", "det", c.id, "")] for c in cases])
    await reply(update, "\n".join(lines), reply_markup=keyboard)


async def on_details(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await t_user(update, context)
    case = await _own_case(update, context, t)
    if case is None:
        return
    await query.answer()
    async with svc(context).store.transaction() as tx:
        events = await tx.events_of_case(case.id)
    lines = [summary_line(case, t), t("card.description", text=case.description)]
    lines += [
        t("timeline.line", when=t.when(e.at), what=t.raw("event." + e.kind))
        for e in events
        if t.has("event." + e.kind)
    ]
    buttons = [(t.raw("button.add_info"), "m", "add", case.id, "")]
    if case.status is Status.NEW:
        buttons.append((t.raw("button.cancel_case"), "m", "cancel", case.id, ""))
    if _can_complain_again(case, context):
        buttons.append((t.raw("button.complain_again"), "m", "again", case.id, ""))
    rows = [[b] for b in buttons] if case.is_open or len(buttons) > 1 else []
    await reply(update, "\n".join(lines), reply_markup=inline(rows) if rows else None)


def _can_complain_again(case: Case, context: Context) -> bool:
    s = svc(context)
    return decisions.can_complain_again(case, s.clock.now(), s.desk.policy)


async def _own_case(update: Update, context: Context, t: Translator) -> Case | None:
    """The case a button names, if it is the presser's own; answers the press otherwise."""
    query = update.callback_query
    assert query is not None
    payload = Payload.decode(query.data)
    case = None
    if payload is not None and payload.number is not None:
        async with svc(context).store.transaction() as tx:
            case = await tx.get(payload.number)
    user = update.effective_user
    if case is None or user is None or user.id not in case.audience():
        await query.answer(t.raw("error.stale"), show_alert=True)
        return None
    return case


async def _run(update: Update, context: Context, command: cmd.CaseCommand, t: Translator) -> bool:
    try:
        await svc(context).desk.execute(command)
    except DomainError as error:
        await reply(update, error_text(error, t))
        return False
    svc(context).wake_courier()
    return True


async def on_cancel_case(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    case = await _own_case(update, context, t)
    if case is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    actor = await actor_of(context, update.effective_user)
    if await _run(update, context, cmd.Cancel(actor, case.id), t):
        await reply(update, t("my_cases.cancelled", ref=case.ref))


async def begin_add_info(update: Update, context: Context) -> int | None:
    return await _begin_text_step(update, context, "adding", "my_cases.add_prompt", ADD_INFO)


async def begin_again(update: Update, context: Context) -> int | None:
    return await _begin_text_step(update, context, "again", "my_cases.again_prompt", AGAIN)


async def _begin_text_step(
    update: Update, context: Context, key: str, prompt: str, state: int
) -> int:
    t = await t_user(update, context)
    case = await _own_case(update, context, t)
    if case is None:
        return ConversationHandler.END
    assert update.callback_query is not None
    assert context.user_data is not None
    await update.callback_query.answer()
    context.user_data[key] = case.id
    await reply(update, t(prompt, ref=case.ref))
    return state


async def on_add_info(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    case_id = context.user_data.pop("adding", None)
    if case_id is None:
        return ConversationHandler.END
    photos = (photo_ref(message.photo[-1].file_id),) if message.photo else ()
    text = message.text or message.caption or ""
    actor = await actor_of(context, update.effective_user)
    if await _run(update, context, cmd.AddInfo(actor, case_id, text=text, attachments=photos), t):
        await reply(update, t("my_cases.added"))
    return ConversationHandler.END


async def on_again(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    message = update.effective_message
    assert message is not None
    assert context.user_data is not None
    case_id = context.user_data.pop("again", None)
    if case_id is None:
        return ConversationHandler.END
    actor = await actor_of(context, update.effective_user)
    if await _run(update, context, cmd.ComplainAgain(actor, case_id, text=message.text or ""), t):
        await reply(update, t("my_cases.again_sent"))
    return ConversationHandler.END


# --- callback feedback -------------------------------------------------------------------


async def on_fixed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = await t_user(update, context)
    case = await _own_case(update, context, t)
    if case is None:
        return
    payload = Payload.decode(query.data)
    fixed = payload is not None and payload.action == "fixed"
    actor = await actor_of(context, update.effective_user)
    try:
        await svc(context).desk.execute(cmd.ConfirmFixed(actor, case.id, fixed=fixed))
    except DomainError as error:
        await query.answer(plain(error_text(error, t)), show_alert=True)
        return
    svc(context).wake_courier()
    await query.answer()
    if not fixed:
        await query.edit_message_text(
            t("feedback.not_fixed", ref=case.ref), parse_mode=ParseMode.HTML
        )
        return
    stars = inline([[("★" * n, "f", "rate", case.id, n) for n in range(1, 6)]])
    await query.edit_message_text(
        t("feedback.rate", ref=case.ref), parse_mode=ParseMode.HTML, reply_markup=stars
    )


async def on_rate(update: Update, context: Context) -> int | None:
    query = update.callback_query
    assert query is not None
    t = await t_user(update, context)
    case = await _own_case(update, context, t)
    if case is None:
        return None
    payload = Payload.decode(query.data)
    stars = int(payload.arg) if payload and payload.arg.isdigit() else 0
    actor = await actor_of(context, update.effective_user)
    try:
        await svc(context).desk.execute(cmd.Rate(actor, case.id, stars=stars))
    except DomainError as error:
        await query.answer(plain(error_text(error, t)), show_alert=True)
        return None
    svc(context).wake_courier()
    await query.answer()
    skip = inline([[(t.raw("button.skip"), "f", "skip", case.id, "")]])
    await query.edit_message_text(
        t("feedback.comment", ref=case.ref, stars="★" * stars),
        parse_mode=ParseMode.HTML,
        reply_markup=skip,
    )
    assert context.user_data is not None
    context.user_data["commenting"] = case.id
    return COMMENT


async def on_comment(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    assert context.user_data is not None
    assert update.effective_message is not None
    case_id = context.user_data.pop("commenting", None)
    if case_id is None:
        return ConversationHandler.END
    actor = await actor_of(context, update.effective_user)
    text = update.effective_message.text or ""
    if await _run(update, context, cmd.Comment(actor, case_id, text=text), t):
        await reply(update, t("feedback.thanks"), reply_markup=main_menu(t))
    return ConversationHandler.END


async def on_skip(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    t = await t_user(update, context)
    context.user_data.pop("commenting", None)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await reply(update, t("feedback.thanks"), reply_markup=main_menu(t))
    return ConversationHandler.END


# --- the conversation ------------------------------------------------------------------


async def stop(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    if context.user_data is not None:
        for key in ("draft", "reg", "adding", "again", "commenting"):
            context.user_data.pop(key, None)
    person = await person_of(context, update.effective_user)
    markup = main_menu(t) if person and person.is_resident else None
    await reply(update, t("stopped"), reply_markup=markup)
    return ConversationHandler.END


async def use_buttons(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    await reply(update, t("use_buttons"))


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    text = free_text() & PRIVATE
    menu = MessageHandler(menu_filter() & PRIVATE, on_menu)

    def cb(pattern: str, callback: object) -> CallbackQueryHandler:  # type: ignore[type-arg]
        return CallbackQueryHandler(callback, pattern=pattern)  # type: ignore[arg-type]

    with warnings.catch_warnings():
        # PTB notes that callback queries are tracked per chat, not per message:
        # exactly what a one-conversation-per-private-chat design wants.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return _conversation(text, menu, cb)


def _conversation(
    text: filters.BaseFilter,
    menu: MessageHandler,  # type: ignore[type-arg]
    cb: Any,
) -> ConversationHandler:  # type: ignore[type-arg]
    return ConversationHandler(
        name="resident",
        persistent=True,
        allow_reentry=True,
        entry_points=[
            CommandHandler("start", start, filters=PRIVATE),
            menu,
            cb(r"^m:add:", begin_add_info),
            cb(r"^m:again:", begin_again),
            cb(r"^f:rate:", on_rate),
            MessageHandler(guard_filter() & PRIVATE, guard.on_guard_menu),
        ],
        states={
            REG_BUILDING: [cb(r"^r:bld:", registration.on_building)],
            REG_UNIT: [
                cb(r"^r:unit:", registration.on_unit),
                MessageHandler(text, registration.on_unit),
            ],
            REG_NAME: [MessageHandler(text, registration.on_name)],
            REG_PHONE: [
                MessageHandler(filters.CONTACT & PRIVATE, registration.on_phone),
                MessageHandler(text, registration.on_phone),
            ],
            F_WHERE: [cb(r"^n:where:", filing.on_where)],
            F_BUILDING: [cb(r"^n:bld:", filing.on_building)],
            F_SPOT: [MessageHandler(text, filing.on_spot)],
            F_URGENCY: [cb(r"^n:urg:", filing.on_urgency)],
            F_KIND: [cb(r"^n:kind:", filing.on_kind)],
            F_DESCRIBE: [
                MessageHandler(
                    (text | filters.PHOTO | filters.VOICE | filters.AUDIO) & PRIVATE,
                    filing.on_description,
                ),
                cb(r"^n:done", filing.on_done),
            ],
            F_CONFIRM: [cb(r"^n:(ok|edit|discard)", filing.on_confirm)],
            ADD_INFO: [MessageHandler((text | filters.PHOTO) & PRIVATE, on_add_info)],
            AGAIN: [MessageHandler(text, on_again)],
            COMMENT: [MessageHandler(text, on_comment), cb(r"^f:skip:", on_skip)],
            G_WHERE: [
                cb(r"^g:bld:", guard.on_where),
                MessageHandler(filters.LOCATION & PRIVATE, guard.on_where),
            ],
            G_REPORT: [
                MessageHandler(
                    (text | filters.PHOTO | filters.LOCATION) & PRIVATE, guard.on_report_part
                ),
                cb(r"^g:done", guard.on_report_done),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", stop, filters=PRIVATE),
            MessageHandler(PRIVATE & ~filters.COMMAND, use_buttons),
        ],
    )


def private_handlers() -> list[object]:
    return [
        conversation(),
        CommandHandler("cancel", stop, filters=PRIVATE),
        CommandHandler("help", show_help, filters=PRIVATE),
        CommandHandler("language", choose_language, filters=PRIVATE),
        CallbackQueryHandler(on_language, pattern=r"^l:set:"),
        CallbackQueryHandler(on_details, pattern=r"^m:det:"),
        CallbackQueryHandler(on_cancel_case, pattern=r"^m:cancel:"),
        CallbackQueryHandler(on_fixed, pattern=r"^f:(fixed|notfixed):"),
        CallbackQueryHandler(on_skip_outside, pattern=r"^f:skip:"),
    ]


async def on_skip_outside(update: Update, context: Context) -> None:
    """A Skip pressed after a restart lost the comment step: nothing to skip."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
