"""Notices to residents: the front desk, the cs supervisor or the
manager writes one in a private chat with the bot (/notice): the text, once
for all or per language, an optional photo or PDF, who gets it (everyone,
some buildings, some floors), now or at a set time. /notices lists the recent
ones to correct or withdraw. Residents read theirs from the menu."""

from __future__ import annotations

import contextlib
import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from handlers.common import Context, error_text
from handlers.states import Bulletin as Step
from handlers.states import Next
from views.bulletins import audience_text, received_list, staff_list
from views.callbacks import Payload
from views.i18n import LANGUAGES, Translator
from views.keyboards import inline
from workflow.bulletin_service import BulletinMissing, Draft
from workflow.bulletins import (
    ALL_LANGUAGES,
    MAX_TEXT,
    Audience,
    DraftProblem,
    clean_text,
    may_publish,
    parse_floors,
    parse_when,
)
from workflow.errors import DomainError, InvalidCommand

KEY = "notice"


def _draft(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault(KEY, _empty())
    return draft


def _empty() -> dict[str, Any]:
    return {
        "texts": {},
        "lang": ALL_LANGUAGES,
        "attachment": None,
        "buildings": [],
        "floors": [],
        "send_at": None,
    }


async def _publisher(update: Update, context: Context) -> Translator | None:
    t = await context.translator()
    actor = await context.actor()
    if not may_publish(actor.roles):
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


def _problem_text(problem: object, t: Translator) -> str:
    key = {
        DraftProblem.EMPTY: "notice.empty",
        DraftProblem.TOO_LONG: "notice.too_long",
        DraftProblem.IN_THE_PAST: "notice.in_the_past",
        DraftProblem.NOBODY: "notice.nobody",
    }.get(problem if isinstance(problem, DraftProblem) else DraftProblem.EMPTY, "notice.empty")
    return t(key, limit=MAX_TEXT)


# --- writing ----------------------------------------------------------------------------------


async def begin(update: Update, context: Context) -> Next:
    t = await _publisher(update, context)
    if t is None:
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[KEY] = _empty()
    await context.replies.reply(update, t("notice.ask_text", limit=MAX_TEXT))
    return Step.TEXT


def _text_keyboard(t: Translator) -> Any:
    languages = [
        (
            t.raw(
                "button.notice.in",
                language=t.raw("language.name." + code.lower().replace("-", "_")),
            ),
            "b",
            "lang",
            code,
            "",
        )
        for code in LANGUAGES
    ]
    return inline([languages, [(t.raw("button.notice.audience"), "b", "next", "", "")]])


async def on_text(update: Update, context: Context) -> Next:
    t = await context.translator()
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    text = message.text
    if message.photo:
        draft["attachment"] = "photo:" + message.photo[-1].file_id
        text = message.caption
    elif message.document:
        draft["attachment"] = "document:" + message.document.file_id
        text = message.caption
    text = clean_text(text)
    if text:
        if len(text) > MAX_TEXT:
            await context.replies.reply(update, t("notice.too_long", limit=MAX_TEXT))
            return Step.TEXT
        draft["texts"][draft["lang"]] = text
    elif not draft["attachment"]:
        await context.replies.reply(update, t("notice.empty"))
        return Step.TEXT
    versions = [
        t.raw("notice.version.all")
        if k == ALL_LANGUAGES
        else t.raw("language.name." + k.lower().replace("-", "_"))
        for k in draft["texts"]
    ]
    await context.replies.reply(
        update,
        t(
            "notice.text_kept",
            versions=t.join(versions) or "-",
            attachment=t.raw(
                "notice.attachment.yes" if draft["attachment"] else "notice.attachment.no"
            ),
        ),
        _text_keyboard(t),
    )
    return Step.TEXT


async def on_language(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    code = payload.target if payload and payload.target in LANGUAGES else ALL_LANGUAGES
    _draft(context)["lang"] = code
    name = t.raw("language.name." + code.lower().replace("-", "_")) if code in LANGUAGES else ""
    await context.replies.reply(update, t("notice.ask_text_in", language=name))
    return Step.TEXT


async def on_next(update: Update, context: Context) -> Next:
    await _pressed(update, context)
    t = await context.translator()
    if not any(clean_text(v) for v in _draft(context)["texts"].values()):
        await context.replies.reply(update, t("notice.empty"))
        return Step.TEXT
    keyboard = inline(
        [
            [(t.raw("button.notice.everyone"), "b", "aud", "all", "")],
            [(t.raw("button.notice.buildings"), "b", "aud", "bld", "")],
            [(t.raw("button.notice.floors"), "b", "aud", "floor", "")],
        ]
    )
    await context.replies.reply(update, t("notice.ask_audience"), keyboard)
    return Step.AUDIENCE


def _buildings_keyboard(context: Context, chosen: list[str], t: Translator) -> Any:
    rows = [
        [((("✅ " if b.id in chosen else "") + t.building(b.id)), "b", "bld", b.id, "")]
        for b in context.estate.buildings
    ]
    rows.append([(t.raw("button.done"), "b", "blddone", "", "")])
    return inline(rows)


async def on_audience(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    draft = _draft(context)
    draft["buildings"], draft["floors"] = [], []
    choice = payload.target if payload else "all"
    if choice == "bld":
        await context.replies.reply(
            update, t("notice.ask_buildings"), _buildings_keyboard(context, [], t)
        )
        return Step.AUDIENCE
    if choice == "floor":
        example = context.estate.buildings[0].id if context.estate.buildings else "A"
        await context.replies.reply(update, t("notice.ask_floors", example=example))
        return Step.FLOORS
    return await _ask_when(update, context, t)


async def on_building(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context, keep=True)
    t = await context.translator()
    draft = _draft(context)
    building = context.estate.building(payload.target) if payload else None
    if building is not None:
        chosen: list[str] = draft["buildings"]
        if building.id in chosen:
            chosen.remove(building.id)
        else:
            chosen.append(building.id)
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await context.replies.edit_buttons(query, _buildings_keyboard(context, chosen, t))
    return Step.AUDIENCE


async def on_buildings_done(update: Update, context: Context) -> Next:
    t = await context.translator()
    if not _draft(context)["buildings"]:
        query = update.callback_query
        assert query is not None
        await context.replies.answer(query, t.raw("notice.no_building"), alert=True)
        return Step.AUDIENCE
    await _pressed(update, context)
    return await _ask_when(update, context, t)


async def on_floors(update: Update, context: Context) -> Next:
    t = await context.translator()
    assert update.effective_message is not None
    floors = parse_floors(
        update.effective_message.text or "", {b.id for b in context.estate.buildings}
    )
    if floors is None:
        example = context.estate.buildings[0].id if context.estate.buildings else "A"
        await context.replies.reply(update, t("notice.floors_bad", example=example))
        return Step.FLOORS
    _draft(context)["floors"] = sorted(f"{b}:{f}" for b, f in floors)
    return await _ask_when(update, context, t)


async def _ask_when(update: Update, context: Context, t: Translator) -> Next:
    keyboard = inline(
        [
            [
                (t.raw("button.notice.now"), "b", "now", "", ""),
                (t.raw("button.notice.later"), "b", "later", "", ""),
            ]
        ]
    )
    await context.replies.reply(update, t("notice.ask_when"), keyboard)
    return Step.WHEN


async def on_when(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    if payload is not None and payload.action == "later":
        await context.replies.reply(update, t("notice.ask_time"))
        return Step.TIME
    _draft(context)["send_at"] = None
    return await _summary(update, context, t)


async def on_time(update: Update, context: Context) -> Next:
    t = await context.translator()
    assert update.effective_message is not None
    now = context.clock.now().astimezone(context.estate.zone)
    when = parse_when(update.effective_message.text or "", now)
    if when is None:
        await context.replies.reply(update, t("notice.time_bad"))
        return Step.TIME
    if when <= now:
        await context.replies.reply(update, t("notice.in_the_past"))
        return Step.TIME
    _draft(context)["send_at"] = when.isoformat()
    return await _summary(update, context, t)


def _as_draft(draft: dict[str, Any]) -> Draft:
    return Draft(
        texts=dict(draft["texts"]),
        attachment=draft["attachment"],
        audience=Audience.from_dict({"buildings": draft["buildings"], "floors": draft["floors"]}),
        send_at=datetime.fromisoformat(draft["send_at"]) if draft["send_at"] else None,
    )


async def _summary(update: Update, context: Context, t: Translator) -> Next:
    draft = _as_draft(_draft(context))
    reach = await context.services.bulletins.reach(draft.audience)
    if reach == 0:
        await context.replies.reply(update, t("notice.nobody"))
        return await on_next_again(update, context, t)
    when = t.raw("notice.when.now") if draft.send_at is None else t.when(draft.send_at)
    lines = [
        t("notice.summary", audience=audience_text(draft.audience, t), count=reach, when=when),
        "",
        draft.texts.get(t.language)
        or draft.texts.get(ALL_LANGUAGES)
        or next(iter(draft.texts.values())),
    ]
    keyboard = inline(
        [
            [
                (t.raw("button.notice.send"), "b", "send", "", ""),
                (t.raw("button.discard"), "b", "drop", "", ""),
            ]
        ]
    )
    lines[2] = html.escape(lines[2], quote=False)
    await context.replies.reply(update, "\n".join(lines), keyboard)
    return Step.CONFIRM


async def on_next_again(update: Update, context: Context, t: Translator) -> Next:
    keyboard = inline(
        [
            [(t.raw("button.notice.everyone"), "b", "aud", "all", "")],
            [(t.raw("button.notice.buildings"), "b", "aud", "bld", "")],
            [(t.raw("button.notice.floors"), "b", "aud", "floor", "")],
        ]
    )
    await context.replies.reply(update, t("notice.ask_audience"), keyboard)
    return Step.AUDIENCE


async def on_confirm(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context)
    t = await context.translator()
    assert context.user_data is not None
    if payload is None or payload.action != "send":
        context.user_data.pop(KEY, None)
        await context.replies.reply(update, t("notice.discarded"))
        return ConversationHandler.END
    draft = _as_draft(_draft(context))
    service = context.services.bulletins
    problem = service.problem(draft)
    if problem is not None:
        await context.replies.reply(update, _problem_text(problem, t))
        return Step.TIME if problem is DraftProblem.IN_THE_PAST else Step.TEXT
    placeholder = await context.replies.reply(update, t("notice.progress.start"))
    if placeholder is not None:
        draft.progress_chat, draft.progress_message = placeholder.chat_id, placeholder.message_id
    try:
        await service.publish(await context.actor(), draft)
    except InvalidCommand as error:
        await context.replies.reply(update, _problem_text(error.details.get("problem"), t))
        return Step.TEXT
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return ConversationHandler.END
    context.user_data.pop(KEY, None)
    context.services.broadcast.wake()
    return ConversationHandler.END


# --- correcting and withdrawing -------------------------------------------------------------


async def list_recent(update: Update, context: Context) -> None:
    t = await _publisher(update, context)
    if t is None:
        return
    listed = staff_list(await context.services.bulletins.recent(await context.actor()), t)
    await context.replies.reply(update, listed.text, listed.buttons)


async def begin_correction(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context, keep=True)
    t = await _publisher(update, context)
    if t is None or payload is None or payload.number is None:
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data["correcting"] = payload.number
    await context.replies.reply(update, t("notice.ask_correction", number=payload.number))
    return Step.CORRECT


async def on_correction(update: Update, context: Context) -> Next:
    t = await context.translator()
    assert update.effective_message is not None
    assert context.user_data is not None
    number = context.user_data.get("correcting")
    if not isinstance(number, int):
        return ConversationHandler.END
    try:
        count = await context.services.bulletins.correct(
            await context.actor(), number, update.effective_message.text or ""
        )
    except InvalidCommand as error:
        await context.replies.reply(update, _problem_text(error.details.get("problem"), t))
        return Step.CORRECT
    except BulletinMissing:
        await context.replies.reply(update, t("notice.missing", number=number))
        context.user_data.pop("correcting", None)
        return ConversationHandler.END
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return ConversationHandler.END
    context.user_data.pop("correcting", None)
    context.services.broadcast.wake()
    await context.replies.reply(update, t("notice.corrected", number=number, count=count))
    return ConversationHandler.END


async def on_withdraw(update: Update, context: Context) -> Next:
    payload = await _pressed(update, context, keep=True)
    t = await _publisher(update, context)
    if t is None or payload is None or payload.number is None:
        return ConversationHandler.END
    try:
        count = await context.services.bulletins.withdraw(await context.actor(), payload.number)
    except BulletinMissing:
        await context.replies.reply(update, t("notice.missing", number=payload.number))
        return ConversationHandler.END
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return ConversationHandler.END
    context.services.broadcast.wake()
    await context.replies.reply(update, t("notice.withdrawn", number=payload.number, count=count))
    return ConversationHandler.END


# --- residents ---------------------------------------------------------------------------


async def show_current(update: Update, context: Context) -> None:
    """The menu's Notices: the current notices this resident got, newest first."""
    t = await context.translator()
    person = await context.person()
    if person is None:
        await context.replies.reply(update, t("bulletin.none"))
        return
    found = await context.services.bulletins.received(person.user_id)
    await context.replies.reply(update, received_list(found, t))
