"""Residents' opinion surveys. The front desk, the cs supervisor or the
manager writes one in a private chat with the bot (/survey): a title, then
one question per message (its kind's sign in front, see docs/surveys.md),
who gets it (everyone, some buildings, a proportion or a number of them),
anonymous or not, the closing time, a preview, Send. Each resident in the
sample answers in their private chat, one question at a time in the same
message, a free text as a reply. /surveys lists the recent ones: results (text,
chart, .xlsx), close, publish the summary as a notice. The role is read from
the directory on every command and press."""

from __future__ import annotations

import contextlib
import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from delivery.surveys import chart_for_notice, take_buttons_off
from handlers.common import Context, error_text
from handlers.context import Services
from handlers.states import Next
from handlers.states import SurveyDraft as Step
from views.callbacks import Payload
from views.i18n import LANGUAGES, Translator, translator_for
from views.keyboards import inline
from views.surveys import (
    chart,
    preview,
    question_keyboard,
    question_line,
    question_text,
    results_text,
    staff_list,
    summary_texts,
    thanks,
    workbook,
)
from workflow.bulletins import parse_when
from workflow.errors import DomainError, InvalidCommand
from workflow.survey_service import Draft, Position, SurveyMissing, Surveys
from workflow.surveys import (
    MAX_QUESTIONS,
    MAX_TITLE,
    AnswerProblem,
    AudienceProblem,
    DraftProblem,
    Kind,
    Question,
    QuestionProblem,
    SurveyAudience,
    clean_answer,
    may_run,
    parse_audience,
    parse_question,
    toggled,
    words_of,
)

KEY = "survey"  # the draft being written
ANSWERING = "survey_text"  # the free-text question a resident is answering


def _draft(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault(KEY, _empty())
    return draft


def _empty() -> dict[str, Any]:
    return {"title": "", "questions": [], "audience": None, "anonymous": True, "closes": None}


def _as_draft(draft: dict[str, Any]) -> Draft:
    return Draft(
        title=draft["title"],
        questions=[Question.from_dict(q) for q in draft["questions"]],
        audience=SurveyAudience.from_dict(draft["audience"] or {}),
        anonymous=bool(draft["anonymous"]),
        closes_at=datetime.fromisoformat(draft["closes"]) if draft["closes"] else None,
    )


async def _runner(update: Update, context: Context) -> Translator | None:
    t = await context.translator()
    if not may_run((await context.actor()).roles):
        await context.replies.reply(update, t("error.not_allowed"))
        return None
    return t


async def _pressed(update: Update, context: Context, keep: bool = False) -> Payload | None:
    query = update.callback_query
    assert query is not None
    await context.replies.answer(query)
    if not keep:
        with contextlib.suppress(TelegramError):
            await context.replies.remove_buttons(query)
    return Payload.decode(query.data)


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").strip() if message else ""


# --- writing --------------------------------------------------------------------------------


async def begin(update: Update, context: Context) -> Next:
    t = await _runner(update, context)
    if t is None:
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[KEY] = _empty()
    await context.replies.reply(update, t("survey.ask_title", limit=MAX_TITLE))
    return Step.TITLE


async def on_title(update: Update, context: Context) -> Next:
    t = await context.translator()
    title = _text(update)
    if not title:
        await context.replies.reply(update, t("survey.title_empty"))
        return Step.TITLE
    if len(title) > MAX_TITLE:
        await context.replies.reply(update, t("survey.title_too_long", limit=MAX_TITLE))
        return Step.TITLE
    _draft(context)["title"] = title
    keyboard = inline([[(t.raw("button.survey.questions_done"), "v", "qdone", "", "")]])
    await context.replies.reply(update, t("survey.ask_questions", limit=MAX_QUESTIONS), keyboard)
    return Step.QUESTIONS


_QUESTION_PROBLEMS = {
    QuestionProblem.NO_SIGN: "survey.question.no_sign",
    QuestionProblem.EMPTY: "survey.question.empty",
    QuestionProblem.TOO_LONG: "survey.question.too_long",
    QuestionProblem.OPTIONS: "survey.question.options",
}


async def on_question(update: Update, context: Context) -> Next:
    t = await context.translator()
    draft = _draft(context)
    parsed = parse_question(_text(update))
    if isinstance(parsed, QuestionProblem):
        await context.replies.reply(update, t(_QUESTION_PROBLEMS[parsed]))
        return Step.QUESTIONS
    if len(draft["questions"]) >= MAX_QUESTIONS:
        await context.replies.reply(update, t("survey.too_many", limit=MAX_QUESTIONS))
        return Step.QUESTIONS
    draft["questions"].append(parsed.as_dict())
    number = len(draft["questions"])
    keyboard = inline([[(t.raw("button.survey.questions_done"), "v", "qdone", "", "")]])
    await context.replies.reply(
        update,
        t("survey.question.kept", number=number) + "\n" + question_line(number, parsed, t),
        keyboard,
    )
    return Step.QUESTIONS


async def on_questions_done(update: Update, context: Context) -> Next:
    t = await context.translator()
    if not _draft(context)["questions"]:
        query = update.callback_query
        assert query is not None
        await context.replies.answer(query, t.raw("survey.no_questions"), alert=True)
        return Step.QUESTIONS
    await _pressed(update, context)
    return await _ask_audience(update, context, t)


async def _ask_audience(update: Update, context: Context, t: Translator) -> Next:
    example = context.estate.buildings[0].id if context.estate.buildings else "A"
    await context.replies.reply(update, t("survey.ask_audience", example=example))
    return Step.AUDIENCE


_AUDIENCE_PROBLEMS = {
    AudienceProblem.NOT_UNDERSTOOD: "survey.audience.bad",
    AudienceProblem.SAMPLE_ZERO: "survey.audience.zero",
    AudienceProblem.OVER_100: "survey.audience.over_100",
    AudienceProblem.UNKNOWN_BUILDING: "survey.audience.unknown_building",
}


def _everyone_words(context: Context) -> frozenset[str]:
    """The words for "every resident" in each language: a writer may type any."""
    return frozenset(
        word
        for language in LANGUAGES
        for word in words_of(
            translator_for(context.estate, language).raw("survey.audience.everyone_words")
        )
    )


async def on_audience(update: Update, context: Context) -> Next:
    t = await context.translator()
    buildings = {b.id for b in context.estate.buildings}
    parsed = parse_audience(_text(update), buildings, _everyone_words(context))
    if isinstance(parsed, AudienceProblem):
        example = context.estate.buildings[0].id if context.estate.buildings else "A"
        known = t.join(t.building(b) for b in sorted(buildings)) or "-"
        await context.replies.reply(
            update, t(_AUDIENCE_PROBLEMS[parsed], example=example, buildings=known)
        )
        return Step.AUDIENCE
    _pool, size = await _surveys(context).reach(parsed)
    if size == 0:
        await context.replies.reply(update, t("survey.nobody"))
        return Step.AUDIENCE
    _draft(context)["audience"] = parsed.as_dict()
    keyboard = inline(
        [
            [
                (t.raw("button.survey.anonymous"), "v", "anon", "1", ""),
                (t.raw("button.survey.named"), "v", "anon", "0", ""),
            ]
        ]
    )
    await context.replies.reply(update, t("survey.ask_anonymity"), keyboard)
    return Step.ANONYMITY


async def on_anonymity(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    _draft(context)["anonymous"] = payload is None or payload.target != "0"
    await context.replies.reply(update, t("survey.ask_closes"))
    return Step.CLOSES


async def on_closes(update: Update, context: Context) -> Next:
    t = await context.translator()
    now = context.clock.now().astimezone(context.estate.zone)
    when = parse_when(_text(update), now)
    if when is None:
        await context.replies.reply(update, t("survey.closes_bad"))
        return Step.CLOSES
    if when <= now:
        await context.replies.reply(update, t("survey.in_the_past"))
        return Step.CLOSES
    draft = _draft(context)
    draft["closes"] = when.isoformat()
    return await _preview(update, context, t)


async def _preview(update: Update, context: Context, t: Translator) -> Next:
    draft = _as_draft(_draft(context))
    assert draft.closes_at is not None
    reach = await _surveys(context).reach(draft.audience)
    text = preview(
        html.escape(draft.title, quote=False),
        draft.questions,
        draft.audience,
        draft.anonymous,
        draft.closes_at,
        reach,
        t,
    )
    keyboard = inline(
        [
            [
                (t.raw("button.survey.send"), "v", "send", "", ""),
                (t.raw("button.discard"), "v", "drop", "", ""),
            ]
        ]
    )
    await context.replies.reply(update, text, keyboard)
    return Step.CONFIRM


_DRAFT_PROBLEMS = {
    DraftProblem.NO_TITLE: "survey.title_empty",
    DraftProblem.NO_QUESTIONS: "survey.no_questions",
    DraftProblem.TOO_MANY: "survey.too_many",
    DraftProblem.IN_THE_PAST: "survey.in_the_past",
    DraftProblem.NOBODY: "survey.nobody",
}
_DRAFT_STEPS: dict[DraftProblem, Next] = {
    DraftProblem.NO_TITLE: Step.TITLE,
    DraftProblem.NO_QUESTIONS: Step.QUESTIONS,
    DraftProblem.TOO_MANY: Step.QUESTIONS,
    DraftProblem.IN_THE_PAST: Step.CLOSES,
    DraftProblem.NOBODY: Step.AUDIENCE,
}


async def on_confirm(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    assert context.user_data is not None
    if payload is None or payload.action != "send":
        context.user_data.pop(KEY, None)
        await context.replies.reply(update, t("survey.discarded"))
        return ConversationHandler.END
    try:
        survey = await _surveys(context).send(await context.actor(), _as_draft(_draft(context)))
    except InvalidCommand as error:
        problem = error.details.get("problem")
        if isinstance(problem, DraftProblem):
            await context.replies.reply(update, t(_DRAFT_PROBLEMS[problem], limit=MAX_QUESTIONS))
            return _DRAFT_STEPS[problem]
        await context.replies.reply(update, error_text(error, t))
        return ConversationHandler.END
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    context.services.survey_delivery.wake()
    await context.replies.reply(
        update,
        t.count("survey.sent", survey.invited, number=survey.id, closes=t.when(survey.closes_at)),
    )
    return ConversationHandler.END


# --- the staff's list: results, closing, publishing ------------------------------------------


async def list_recent(update: Update, context: Context) -> None:
    t = await _runner(update, context)
    if t is None:
        return
    listed = staff_list(await _surveys(context).recent(await context.actor()), t)
    await context.replies.reply(update, listed.text, listed.buttons)


async def on_staff_press(update: Update, context: Context) -> None:
    payload = await _pressed(update, context, keep=True)
    t = await _runner(update, context)
    if t is None or payload is None or payload.number is None:
        return
    number = payload.number
    try:
        if payload.action == "res":
            await _show_results(update, context, number, t)
        elif payload.action == "close":
            survey = await _surveys(context).close(await context.actor(), number)
            context.outbound.wake()  # the author's closing note
            await context.replies.reply(update, t("survey.closed", number=survey.id))
        elif payload.action == "pub":
            await _publish(update, context, number, t)
    except SurveyMissing:
        await context.replies.reply(update, t("survey.missing", number=number))
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))


async def _show_results(update: Update, context: Context, number: int, t: Translator) -> None:
    survey, results, answers, people = await _surveys(context).results(
        await context.actor(), number
    )
    await context.replies.reply(update, results_text(survey, results, t))
    await context.replies.photo(update, chart(survey, results, t), f"survey-{survey.id}.png")
    await context.replies.document(
        update,
        workbook(survey, results, answers, people, t),
        f"survey-{survey.id}.xlsx",
        caption=t.raw("survey.xlsx.caption", number=survey.id),
    )


async def _publish(update: Update, context: Context, number: int, t: Translator) -> None:
    service = _surveys(context)
    actor = await context.actor()
    survey, results, _answers, _people = await service.results(actor, number)
    if survey.is_open:
        await context.replies.reply(update, t("survey.publish.open", number=survey.id))
        return
    if survey.bulletin_id is not None:
        await context.replies.reply(
            update, t("survey.publish.already", number=survey.id, notice=survey.bulletin_id)
        )
        return
    message = update.effective_message
    attachment = None
    if message is not None:
        file_id = await chart_for_notice(
            message, chart(survey, results, t), f"survey-{survey.id}.png"
        )
        attachment = "photo:" + file_id if file_id else None
    translators = [context.translator_for(code) for code in LANGUAGES]
    try:
        bulletin = await service.publish(
            actor, survey.id, summary_texts(survey, results, translators), attachment
        )
    except InvalidCommand:
        await context.replies.reply(update, t("survey.nobody"))
        return
    context.services.broadcast.wake()
    await context.replies.reply(update, t("survey.published", number=survey.id, notice=bulletin.id))


# --- the resident answering --------------------------------------------------------------


def _target(payload: Payload) -> tuple[int, int] | None:
    survey, _, question = payload.target.partition(".")
    if not survey.isdigit() or (question and not question.isdigit()):
        return None
    return int(survey), int(question or 0)


async def on_press(update: Update, context: Context) -> None:
    """Start, an answer, a pick of a multiple choice, its Next, or Skip. Outside
    the private chat's conversation: pressing one leaves a half-written case or
    feedback where it was."""
    query = update.callback_query
    assert query is not None
    payload = Payload.decode(query.data)
    t = await context.translator()
    target = _target(payload) if payload else None
    user_id = context.user_id
    if payload is None or target is None or user_id is None:
        await context.replies.answer(query, t.raw("error.stale"))
        return
    survey_id, number = target
    service = _surveys(context)
    where = await service.position(survey_id, user_id)
    if where is None or where.problem is AnswerProblem.NOT_INVITED:
        await context.replies.answer(query, t.raw("survey.not_invited"), alert=True)
        return
    if payload.action != "go" and where.problem is None and where.at == number:
        question = where.survey.questions[number]
        picked = where.answers.get(number)
        picks = picked if isinstance(picked, list) else []
        if payload.action == "a" and payload.arg.isdigit():
            where = await service.answer(survey_id, user_id, number, int(payload.arg)) or where
        elif payload.action == "t" and payload.arg.isdigit() and question.kind is Kind.MULTIPLE:
            chosen = toggled(picks, int(payload.arg))
            where = await service.answer(survey_id, user_id, number, chosen, False) or where
        elif payload.action == "d" and question.kind is Kind.MULTIPLE:
            where = await service.answer(survey_id, user_id, number, picks) or where
        elif payload.action == "s" and question.kind is Kind.TEXT:
            where = await service.answer(survey_id, user_id, number, "") or where
    await context.replies.answer(query)
    await _show(update, context, where, t)


async def _show(update: Update, context: Context, where: Position, t: Translator) -> None:
    """The pressed message becomes the current question (or the thanks)."""
    query = update.callback_query
    assert query is not None
    assert context.user_data is not None
    text, keyboard = _screen(where, t)
    with contextlib.suppress(TelegramError):
        await context.replies.edit_text(query, text, keyboard)
    message = query.message
    _waiting_for_text(context, where, message.message_id if message else None)


def _screen(where: Position, t: Translator) -> tuple[str, Any]:
    survey = where.survey
    if where.problem is AnswerProblem.CLOSED:
        return t("survey.closed.resident", title=survey.title), None
    if where.at is None:
        return thanks(survey, t), None
    picked = where.answers.get(where.at)
    picks = picked if isinstance(picked, list) else []
    return question_text(survey, where.at, t), question_keyboard(survey, where.at, picks, t)


def _waiting_for_text(context: Context, where: Position, shown: int | None) -> None:
    """Remember the free-text question now shown (in message `shown`), to take
    its Skip button off once the answer is typed."""
    assert context.user_data is not None
    current = where.survey.questions[where.at] if where.at is not None else None
    if current is not None and where.problem is None and current.kind is Kind.TEXT:
        context.user_data[ANSWERING] = [where.survey.id, where.at, shown]
    else:
        context.user_data.pop(ANSWERING, None)


async def answer_typed(update: Update, context: Context) -> bool:
    """Text typed in the private chat outside any flow, while a survey's
    free-text question is this resident's current one (found in the database,
    so a restart loses nothing): it is the answer, and the next question
    follows it. False if no survey waits for one."""
    user_id = context.user_id
    if user_id is None:
        return False
    service = _surveys(context)
    waiting = await service.waiting_for_text(user_id)
    if waiting is None or waiting.at is None:
        return False
    assert context.user_data is not None
    asked = context.user_data.get(ANSWERING)
    shown = isinstance(asked, list) and asked[:2] == [waiting.survey.id, waiting.at]
    if waiting.at == 0 and not shown:
        return False  # a first question nobody pressed Start for: not shown yet
    t = await context.translator()
    text = clean_answer(_text(update))
    if not text:
        await context.replies.reply(update, t("survey.text_empty"))
        return True
    where = await service.answer(waiting.survey.id, user_id, waiting.at, text)
    if where is None:
        return False
    chat = update.effective_chat
    if isinstance(asked, list) and len(asked) == 3 and isinstance(asked[2], int) and chat:
        # Answered: the question's Skip goes; what follows comes below the reply.
        await take_buttons_off(context.bot, chat.id, asked[2])
    screen, keyboard = _screen(where, t)
    sent = await context.replies.reply(update, screen, keyboard)
    _waiting_for_text(context, where, sent.message_id if sent else None)
    return True


# --- the sweep -------------------------------------------------------------------------------


async def sweep(s: Services) -> None:
    """Close the surveys whose time is up and send the due reminders."""
    if await s.surveys.sweep():
        s.outbound.wake()  # the authors' closing notes
        s.survey_delivery.wake()  # the reminders


def _surveys(context: Context) -> Surveys:
    return context.services.surveys
