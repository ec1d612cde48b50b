"""A resident files a case: only the questions the case needs, then a summary
to confirm. The draft lives in user data (persisted), so a restart in the
middle loses nothing; the case exists only once confirmed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from handlers.common import Context, actor_from, error_text, person_of, reply, svc, t_user
from handlers.guard import anyone_on_duty
from handlers.states import F_BUILDING, F_CONFIRM, F_DESCRIBE, F_KIND, F_SPOT, F_URGENCY, F_WHERE
from views.callbacks import Payload
from views.i18n import Markup, Translator
from views.keyboards import inline, main_menu
from views.notices import photo_ref, voice_ref
from workflow import commands as cmd
from workflow.errors import DomainError
from workflow.model import Category, Location, ReporterKind, Urgency

log = logging.getLogger("estate_desk.filing")

MAX_PHOTOS = 5
MAX_TEXT = 2000
MENU_CATEGORY = {
    "menu.repair": Category.REPAIR,
    "menu.cleaning": Category.CLEANING,
    "menu.security": Category.SECURITY,
    "menu.management": Category.MANAGEMENT,
    "menu.assistance": Category.ASSISTANCE,
}
ASSISTANCE_KINDS = ("moving", "parcel", "other")


def _draft(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault("draft", {})
    return draft


async def begin(update: Update, context: Context, category: Category) -> int:
    t = await t_user(update, context)
    person = await person_of(context, update.effective_user)
    if person is None or person.resident_status in ("none", "rejected"):
        await reply(update, t("file.register_first"))
        return ConversationHandler.END
    if person.resident_status == "pending":
        await reply(update, t("file.pending"))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data["draft"] = {"category": str(category), "text": [], "photos": [], "voice": []}
    if category is Category.ASSISTANCE:
        keyboard = inline([[(t.raw("assist." + k), "n", "kind", k, "")] for k in ASSISTANCE_KINDS])
        await reply(update, t("file.assist.kind"), reply_markup=keyboard)
        return F_KIND
    keyboard = inline(
        [
            [
                (t.raw("button.my_unit"), "n", "where", "unit", ""),
                (t.raw("button.common_area"), "n", "where", "common", ""),
            ]
        ]
    )
    await reply(
        update, t("file.where", category=t.raw("category." + category)), reply_markup=keyboard
    )
    return F_WHERE


async def _answered(update: Update) -> Payload | None:
    query = update.callback_query
    assert query is not None
    if query.message is None:
        await query.answer()
    else:  # both at once: one round trip to Telegram instead of two
        await asyncio.gather(query.answer(), _drop_buttons(query))
    return Payload.decode(query.data)


async def _drop_buttons(query: CallbackQuery) -> None:
    with contextlib.suppress(TelegramError):  # already edited by an earlier press
        await query.edit_message_reply_markup(None)


async def on_where(update: Update, context: Context) -> int:
    payload = await _answered(update)
    t = await t_user(update, context)
    draft = _draft(context)
    if payload is not None and payload.target == "common":
        draft["where"] = "common"
        keyboard = inline(
            [[(b.name or b.id, "n", "bld", b.id, "")] for b in svc(context).estate.buildings]
        )
        await reply(update, t("file.building"), reply_markup=keyboard)
        return F_BUILDING
    draft["where"] = "unit"
    return await _after_location(update, context, t)


async def on_building(update: Update, context: Context) -> int:
    payload = await _answered(update)
    t = await t_user(update, context)
    building = svc(context).estate.building(payload.target) if payload else None
    if building is None:
        return F_BUILDING
    _draft(context)["building"] = building.id
    await reply(update, t("file.spot"))
    return F_SPOT


async def on_spot(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    assert update.effective_message is not None
    spot = " ".join((update.effective_message.text or "").split())[:100]
    if not spot:
        await reply(update, t("file.spot"))
        return F_SPOT
    _draft(context)["spot"] = spot
    return await _after_location(update, context, t)


async def _after_location(update: Update, context: Context, t: Translator) -> int:
    if _draft(context)["category"] == Category.REPAIR:
        keyboard = inline(
            [
                [(t.raw("button.urgent"), "n", "urg", "urgent", "")],
                [(t.raw("button.not_urgent"), "n", "urg", "normal", "")],
            ]
        )
        await reply(update, t("file.urgency"), reply_markup=keyboard)
        return F_URGENCY
    return await _ask_description(update, context, t)


async def on_urgency(update: Update, context: Context) -> int:
    payload = await _answered(update)
    t = await t_user(update, context)
    _draft(context)["urgency"] = "urgent" if payload and payload.target == "urgent" else "normal"
    return await _ask_description(update, context, t)


async def on_kind(update: Update, context: Context) -> int:
    payload = await _answered(update)
    t = await t_user(update, context)
    kind = payload.target if payload and payload.target in ASSISTANCE_KINDS else "other"
    draft = _draft(context)
    draft["kind"] = kind
    draft["where"] = "unit"
    await reply(update, t("file.assist.when"))
    return F_DESCRIBE


async def _ask_description(update: Update, context: Context, t: Translator) -> int:
    await reply(update, t("file.describe"))
    return F_DESCRIBE


async def on_description(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if message.photo:
        if len(draft["photos"]) >= MAX_PHOTOS:
            await reply(update, t("file.too_many_photos", limit=MAX_PHOTOS))
            return F_DESCRIBE
        draft["photos"].append(photo_ref(message.photo[-1].file_id))
        if message.caption:
            draft["text"].append(message.caption)
    elif message.voice or message.audio:
        voice = message.voice or message.audio
        assert voice is not None
        draft["voice"].append(voice_ref(voice.file_id))
    elif message.text:
        if sum(len(x) for x in draft["text"]) + len(message.text) > MAX_TEXT:
            await reply(update, t("file.too_long", limit=MAX_TEXT))
            return F_DESCRIBE
        draft["text"].append(message.text)
    done = inline([[(t.raw("button.done"), "n", "done", "", "")]])
    await reply(
        update, t("file.added", photos=len(draft["photos"]), limit=MAX_PHOTOS), reply_markup=done
    )
    return F_DESCRIBE


async def on_done(update: Update, context: Context) -> int:
    await _answered(update)
    t = await t_user(update, context)
    draft = _draft(context)
    if not draft["text"] and not draft["photos"] and not draft["voice"]:
        await reply(update, t("file.describe.empty"))
        return F_DESCRIBE
    await reply(
        update, await _summary(context, draft, t, update), reply_markup=_confirm_keyboard(t)
    )
    return F_CONFIRM


def _confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return inline(
        [
            [
                (t.raw("button.confirm"), "n", "ok", "", ""),
                (t.raw("button.edit"), "n", "edit", "", ""),
                (t.raw("button.discard"), "n", "discard", "", ""),
            ]
        ]
    )


async def _summary(context: Context, draft: dict[str, Any], t: Translator, update: Update) -> str:
    category = Category(draft["category"])
    lines = [t("file.summary.title", category=t.raw("category." + category))]
    lines.append(t("file.summary.where", where=await _where_text(context, draft, t, update)))
    if draft.get("urgency"):
        lines.append(t("file.summary.urgency", urgency=t.raw("urgency." + draft["urgency"])))
    if draft.get("kind"):
        lines.append(t("file.summary.kind", kind=t.raw("assist." + draft["kind"])))
    lines.append(t("file.summary.text", text="\n".join(draft["text"]) or "-"))
    if draft["photos"] or draft["voice"]:
        lines.append(
            t("file.summary.attachments", photos=len(draft["photos"]), voice=len(draft["voice"]))
        )
    lines.append(Markup(t("file.summary.confirm")))
    return "\n".join(lines)


async def _where_text(
    context: Context, draft: dict[str, Any], t: Translator, update: Update
) -> str:
    if draft.get("where") == "common":
        return t.raw("where.common", building=draft.get("building", ""), spot=draft.get("spot", ""))
    person = await person_of(context, update.effective_user)
    return t.raw(
        "where.unit", building=person.building if person else "", unit=person.unit if person else ""
    )


async def on_confirm(update: Update, context: Context) -> int:
    payload = await _answered(update)
    t = await t_user(update, context)
    draft = _draft(context)
    action = payload.action if payload else "discard"
    if action == "edit":
        draft["text"], draft["photos"], draft["voice"] = [], [], []
        await reply(update, t("file.describe"))
        return F_DESCRIBE
    if action == "discard":
        assert context.user_data is not None
        context.user_data.pop("draft", None)
        await reply(update, t("file.discarded"), reply_markup=main_menu(t))
        return ConversationHandler.END
    return await _file(update, context, draft, t)


async def _file(update: Update, context: Context, draft: dict[str, Any], t: Translator) -> int:
    s = svc(context)
    person = await person_of(context, update.effective_user)
    assert person is not None
    home = Location(building=person.building, unit=person.unit)
    where = (
        Location(building=draft.get("building"), area=draft.get("spot"))
        if draft.get("where") == "common"
        else home
    )
    text = "\n".join(draft["text"])
    if draft.get("kind"):
        text = f"[{t.raw('assist.' + draft['kind'])}] {text}".strip()
    category = Category(draft["category"])
    command = cmd.FileCase(
        actor=actor_from(person, person.user_id),
        category=category,
        description=text or t.raw("file.no_text"),
        location=where,
        urgency=Urgency(draft["urgency"]) if draft.get("urgency") else None,
        reporter_kind=ReporterKind.RESIDENT,
        reporter_unit=home,
        attachments=tuple(draft["photos"] + draft["voice"]),
        no_guard_on_duty=category is Category.ASSISTANCE and not await anyone_on_duty(context),
    )
    try:
        decision = await s.desk.file(command)
    except DomainError as error:
        await reply(update, error_text(error, t))
        return F_CONFIRM
    except sqlite3.Error:
        # Nothing was stored (the transaction rolled back): say so, and offer the
        # same summary again so one more press files it once the store is back.
        log.exception("filing failed in the store")
        await reply(update, t("error.not_saved"), reply_markup=_confirm_keyboard(t))
        return F_CONFIRM
    assert context.user_data is not None
    context.user_data.pop("draft", None)
    # The reference and what to expect arrive as the FILED notice, sent straight
    # away; the staff's cards follow with the courier's round.
    s.wake_courier()
    if s.courier is not None:
        await s.courier.deliver_now(decision.case.id, person.user_id)
    return ConversationHandler.END
