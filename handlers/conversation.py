"""The resident's private chat is one conversation (see `conversation()`), so
a menu tap always means the menu, whatever step a half-finished flow was at:
its table of states lives here, with the handlers of the private chat."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import feedback, filing, guard, menu, my_cases, notices, registration, surveys
from handlers.common import Context
from handlers.states import (
    Bulletin,
    Feedback,
    Filing,
    FollowUp,
    GuardReport,
    Next,
    Registration,
    SurveyDraft,
)
from views.keyboards import free_text, guard_filter, main_menu, menu_filter

PRIVATE = filters.ChatType.PRIVATE


async def stop(update: Update, context: Context) -> Next:
    t = await context.translator()
    if context.user_data is not None:
        for key in (
            "draft",
            "reg",
            "adding",
            "again",
            "commenting",
            "notice",
            "correcting",
            surveys.KEY,
            surveys.ANSWERING,
        ):
            context.user_data.pop(key, None)
    person = await context.person()
    markup = main_menu(t) if person and person.is_resident else None
    await context.replies.reply(update, t("stopped"), markup)
    return ConversationHandler.END


async def use_buttons(update: Update, context: Context) -> None:
    t = await context.translator()
    await context.replies.reply(update, t("use_buttons"))


def conversation(menu_labels: Iterable[str] = ()) -> ConversationHandler:  # type: ignore[type-arg]
    labels = list(menu_labels)  # the estate's own labels of the menu, beside the catalogue's
    text = free_text(labels) & PRIVATE
    menu_tap = MessageHandler(menu_filter(labels) & PRIVATE, menu.on_menu)

    def cb(pattern: str, callback: object) -> CallbackQueryHandler:  # type: ignore[type-arg]
        return CallbackQueryHandler(callback, pattern=pattern)  # type: ignore[arg-type]

    with warnings.catch_warnings():
        # PTB notes that callback queries are tracked per chat, not per message:
        # exactly what a one-conversation-per-private-chat design wants.
        warnings.filterwarnings("ignore", message=".*per_message.*")
        return _conversation(text, menu_tap, cb)


def _conversation(
    text: filters.BaseFilter,
    menu_tap: MessageHandler,  # type: ignore[type-arg]
    cb: Any,
) -> ConversationHandler:  # type: ignore[type-arg]
    return ConversationHandler(
        name="resident",
        persistent=True,
        allow_reentry=True,
        entry_points=[
            CommandHandler("start", menu.start, filters=PRIVATE),
            menu_tap,
            cb(r"^m:add:", my_cases.begin_add_info),
            cb(r"^m:again:", my_cases.begin_again),
            cb(r"^f:rate:", feedback.on_rate),
            MessageHandler(guard_filter() & PRIVATE, guard.on_guard_menu),
            CommandHandler("notice", notices.begin, filters=PRIVATE),
            cb(r"^b:correct:", notices.begin_correction),
            cb(r"^b:withdraw:", notices.on_withdraw),
            CommandHandler("survey", surveys.begin, filters=PRIVATE),
        ],
        states={
            Registration.BUILDING: [cb(r"^r:bld:", registration.on_building)],
            Registration.UNIT: [
                cb(r"^r:unit:", registration.on_unit),
                MessageHandler(text, registration.on_unit),
            ],
            Registration.NAME: [MessageHandler(text, registration.on_name)],
            Registration.PHONE: [
                MessageHandler(filters.CONTACT & PRIVATE, registration.on_phone),
                MessageHandler(text, registration.on_phone),
            ],
            Filing.WHERE: [cb(r"^n:where:", filing.on_where)],
            Filing.BUILDING: [cb(r"^n:bld:", filing.on_building)],
            Filing.SPOT: [MessageHandler(text, filing.on_spot)],
            Filing.URGENCY: [cb(r"^n:urg:", filing.on_urgency)],
            Filing.KIND: [cb(r"^n:kind:", filing.on_kind)],
            Filing.TEAM: [cb(r"^n:team:", filing.on_team)],
            Filing.DESCRIBE: [
                MessageHandler(
                    (text | filters.PHOTO | filters.VOICE | filters.AUDIO) & PRIVATE,
                    filing.on_description,
                ),
                cb(r"^n:done", filing.on_done),
            ],
            Filing.CONFIRM: [
                cb(r"^n:(ok|edit|discard)", filing.on_confirm),
                cb(r"^n:link:", filing.on_link),
            ],
            FollowUp.ADD_INFO: [
                MessageHandler((text | filters.PHOTO) & PRIVATE, my_cases.on_add_info)
            ],
            FollowUp.AGAIN: [MessageHandler(text, my_cases.on_again)],
            Feedback.COMMENT: [
                MessageHandler(text, feedback.on_comment),
                cb(r"^f:skip:", feedback.on_skip),
            ],
            GuardReport.WHERE: [
                cb(r"^g:bld:", guard.on_where),
                MessageHandler(filters.LOCATION & PRIVATE, guard.on_where),
            ],
            GuardReport.REPORT: [
                MessageHandler(
                    (text | filters.PHOTO | filters.LOCATION) & PRIVATE, guard.on_report_part
                ),
                cb(r"^g:done", guard.on_report_done),
            ],
            **_bulletin_states(text, cb),
            **_survey_states(text, cb),
        },
        fallbacks=[
            CommandHandler("cancel", stop, filters=PRIVATE),
            MessageHandler(PRIVATE & ~filters.COMMAND, use_buttons),
        ],
    )


def _bulletin_states(text: filters.BaseFilter, cb: Any) -> dict[object, list[Any]]:
    attachment = filters.PHOTO | filters.Document.PDF
    return {
        Bulletin.TEXT: [
            MessageHandler((text | attachment) & PRIVATE, notices.on_text),
            cb(r"^b:lang:", notices.on_language),
            cb(r"^b:next", notices.on_next),
        ],
        Bulletin.AUDIENCE: [
            cb(r"^b:aud:", notices.on_audience),
            cb(r"^b:bld:", notices.on_building),
            cb(r"^b:blddone", notices.on_buildings_done),
        ],
        Bulletin.FLOORS: [MessageHandler(text, notices.on_floors)],
        Bulletin.WHEN: [cb(r"^b:(now|later)", notices.on_when)],
        Bulletin.TIME: [MessageHandler(text, notices.on_time)],
        Bulletin.CONFIRM: [cb(r"^b:(send|drop)", notices.on_confirm)],
        Bulletin.CORRECT: [MessageHandler(text, notices.on_correction)],
    }


def _survey_states(text: filters.BaseFilter, cb: Any) -> dict[object, list[Any]]:
    return {
        SurveyDraft.TITLE: [MessageHandler(text, surveys.on_title)],
        SurveyDraft.QUESTIONS: [
            MessageHandler(text, surveys.on_question),
            cb(r"^v:qdone", surveys.on_questions_done),
        ],
        SurveyDraft.AUDIENCE: [MessageHandler(text, surveys.on_audience)],
        SurveyDraft.ANONYMITY: [cb(r"^v:anon:", surveys.on_anonymity)],
        SurveyDraft.CLOSES: [MessageHandler(text, surveys.on_closes)],
        SurveyDraft.CONFIRM: [cb(r"^v:(send|drop)", surveys.on_confirm)],
    }


def private_handlers(menu_labels: Iterable[str] = ()) -> list[object]:
    return [
        conversation(menu_labels),
        CommandHandler("cancel", stop, filters=PRIVATE),
        CommandHandler("help", menu.show_help, filters=PRIVATE),
        CommandHandler("language", menu.choose_language, filters=PRIVATE),
        CommandHandler("notices", notices.list_recent, filters=PRIVATE),
        CommandHandler("surveys", surveys.list_recent, filters=PRIVATE),
        CallbackQueryHandler(surveys.on_staff_press, pattern=r"^v:(res|close|pub):"),
        CallbackQueryHandler(surveys.on_press, pattern=r"^v:(go|a|t|d|s):"),
        CallbackQueryHandler(menu.on_language, pattern=r"^l:set:"),
        CallbackQueryHandler(my_cases.on_details, pattern=r"^m:det:"),
        CallbackQueryHandler(my_cases.on_cancel_case, pattern=r"^m:cancel:"),
        CallbackQueryHandler(feedback.on_fixed, pattern=r"^f:(fixed|notfixed):"),
        CallbackQueryHandler(feedback.on_skip_outside, pattern=r"^f:skip:"),
        CallbackQueryHandler(filing.on_separate, pattern=r"^n:separate:"),
    ]


def free_text_handler() -> MessageHandler:  # type: ignore[type-arg]
    """Last of all: text in the private chat that nothing else took."""
    return MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, menu.on_free_text)
