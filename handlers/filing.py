"""A resident files a case: only the questions the case needs, then a summary
to confirm. The draft lives in user data (persisted), so a restart in the
middle loses nothing; the case exists only once confirmed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from handlers import linking
from handlers.common import Context, actor_from, error_text
from handlers.guard import anyone_on_duty
from handlers.states import Filing, Next
from views.callbacks import Payload
from views.i18n import Markup, Translator
from views.keyboards import inline, main_menu
from views.notices import photo_ref, voice_ref
from workflow import commands as cmd
from workflow.decisions import shared
from workflow.errors import DomainError, TooManyCases
from workflow.model import Category, Location, ReporterKind, Team, Urgency

log = logging.getLogger("estate_desk.filing")

MAX_PHOTOS = shared.MAX_PHOTOS
MAX_VOICE = shared.MAX_VOICE_NOTES
MAX_TEXT = 2000
MENU_CATEGORY = {
    "menu.repair": Category.REPAIR,
    "menu.cleaning": Category.CLEANING,
    "menu.security": Category.SECURITY,
    "menu.management": Category.MANAGEMENT,
    "menu.assistance": Category.ASSISTANCE,
}
ASSISTANCE_KINDS = ("moving", "parcel", "other")
# Whom a management complaint is about: a team, or the office itself.
COMPLAINED_TEAMS = (Team.REPAIR, Team.CLEANING, Team.SECURITY, Team.SERVICE)


def _draft(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault("draft", {})
    return draft


async def begin(update: Update, context: Context, category: Category) -> Next:
    t = await context.translator()
    person = await context.person()
    if person is None or person.resident_status in ("none", "rejected"):
        await context.replies.reply(update, t("file.register_first"))
        return ConversationHandler.END
    if person.resident_status == "pending":
        await context.replies.reply(update, t("file.pending"))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data["draft"] = {"category": str(category), "text": [], "photos": [], "voice": []}
    if category is Category.ASSISTANCE:
        keyboard = inline([[(t.raw("assist." + k), "n", "kind", k, "")] for k in ASSISTANCE_KINDS])
        await context.replies.reply(update, t("file.assist.kind"), markup=keyboard)
        return Filing.KIND
    if category is Category.MANAGEMENT:
        keyboard = inline(
            [[(t.raw("complained.team." + k), "n", "team", k, "")] for k in COMPLAINED_TEAMS]
        )
        await context.replies.reply(update, t("file.team"), markup=keyboard)
        return Filing.TEAM
    return await _ask_where(update, context, t, category)


async def _ask_where(update: Update, context: Context, t: Translator, category: Category) -> Next:
    keyboard = inline(
        [
            [
                (t.raw("button.my_unit"), "n", "where", "unit", ""),
                (t.raw("button.common_area"), "n", "where", "common", ""),
            ]
        ]
    )
    await _show(update, context, t("file.where", category=t.raw("category." + category)), keyboard)
    return Filing.WHERE


async def on_team(update: Update, context: Context) -> Next:
    """A management complaint names the team it is about (or the office itself),
    so that a major one reaches that team's supervisor too."""
    payload = _pressed(update)
    t = await context.translator()
    draft = _draft(context)
    teams = {str(team): team for team in COMPLAINED_TEAMS}
    draft["team"] = str(teams.get(payload.target if payload else "", Team.SERVICE))
    return await _ask_where(update, context, t, Category(draft["category"]))


def _pressed(update: Update) -> Payload | None:
    """What the pressed button says. Every handler of a press then answers it
    once, with `_show` (the next step) or `_settle` (nothing to show there)."""
    query = update.callback_query
    assert query is not None
    return Payload.decode(query.data)


async def _show(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """The next question. After a press, the pressed message becomes it: one
    edit, where a new message would also need the old one's buttons removed
    (two calls against the chat's one message a second). After typed text,
    and where the pressed message cannot be edited, a new message."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        if query is not None:
            await context.replies.answer(query)
        await context.replies.reply(update, text, markup=markup)
        return
    # Both at once: one round trip to Telegram instead of two.
    _, edited = await asyncio.gather(
        context.replies.answer(query), _edit(query, context, text, markup)
    )
    if not edited:
        await context.replies.reply(update, text, markup=markup)


async def _edit(
    query: CallbackQuery, context: Context, text: str, markup: InlineKeyboardMarkup | None
) -> bool:
    try:
        await context.replies.edit_text(query, text, markup)
    except TelegramError as error:  # deleted, too old to edit: say it anew instead
        log.info("could not edit the pressed message: %s", error)
        return False
    return True


async def _settle(update: Update, context: Context) -> None:
    """Answer the press and take the pressed message's buttons away (its
    question is answered), when the answer is not shown in its place."""
    query = update.callback_query
    assert query is not None
    if query.message is None:
        await context.replies.answer(query)
    else:  # both at once: one round trip to Telegram instead of two
        await asyncio.gather(context.replies.answer(query), _drop_buttons(query, context))


async def _drop_buttons(query: CallbackQuery, context: Context) -> None:
    with contextlib.suppress(TelegramError):  # already edited by an earlier press
        await context.replies.remove_buttons(query)


async def on_where(update: Update, context: Context) -> Next:
    payload = _pressed(update)
    t = await context.translator()
    draft = _draft(context)
    if payload is not None and payload.target == "common":
        draft["where"] = "common"
        keyboard = inline(
            [[(t.building(b.id), "n", "bld", b.id, "")] for b in context.estate.buildings]
        )
        await _show(update, context, t("file.building"), keyboard)
        return Filing.BUILDING
    draft["where"] = "unit"
    return await _after_location(update, context, t)


async def on_building(update: Update, context: Context) -> Next:
    payload = _pressed(update)
    t = await context.translator()
    building = context.estate.building(payload.target) if payload else None
    if building is None:
        assert update.callback_query is not None
        await context.replies.answer(update.callback_query)
        return Filing.BUILDING
    _draft(context)["building"] = building.id
    await _show(update, context, t("file.spot"))
    return Filing.SPOT


async def on_spot(update: Update, context: Context) -> Next:
    t = await context.translator()
    assert update.effective_message is not None
    spot = " ".join((update.effective_message.text or "").split())[:100]
    if not spot:
        await context.replies.reply(update, t("file.spot"))
        return Filing.SPOT
    _draft(context)["spot"] = spot
    return await _after_location(update, context, t)


async def _after_location(update: Update, context: Context, t: Translator) -> Next:
    if _draft(context)["category"] == Category.REPAIR:
        keyboard = inline(
            [
                [(t.raw("button.urgent"), "n", "urg", "urgent", "")],
                [(t.raw("button.not_urgent"), "n", "urg", "normal", "")],
            ]
        )
        await _show(update, context, t("file.urgency"), keyboard)
        return Filing.URGENCY
    return await _ask_description(update, context, t)


async def on_urgency(update: Update, context: Context) -> Next:
    payload = _pressed(update)
    t = await context.translator()
    _draft(context)["urgency"] = "urgent" if payload and payload.target == "urgent" else "normal"
    return await _ask_description(update, context, t)


async def on_kind(update: Update, context: Context) -> Next:
    payload = _pressed(update)
    t = await context.translator()
    kind = payload.target if payload and payload.target in ASSISTANCE_KINDS else "other"
    draft = _draft(context)
    draft["kind"] = kind
    draft["where"] = "unit"
    await _show(update, context, t("file.assist.when"))
    return Filing.DESCRIBE


async def _ask_description(update: Update, context: Context, t: Translator) -> Next:
    await _show(update, context, t("file.describe"))
    return Filing.DESCRIBE


async def on_description(update: Update, context: Context) -> Next:
    t = await context.translator()
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if message.photo:
        if len(draft["photos"]) >= MAX_PHOTOS:
            await context.replies.reply(update, t("file.too_many_photos", limit=MAX_PHOTOS))
            return Filing.DESCRIBE
        draft["photos"].append(photo_ref(message.photo[-1].file_id))
        if message.caption:
            draft["text"].append(message.caption)
    elif message.voice or message.audio:
        voice = message.voice or message.audio
        assert voice is not None
        if len(draft["voice"]) >= MAX_VOICE:
            await context.replies.reply(update, t("file.too_many_voice", limit=MAX_VOICE))
            return Filing.DESCRIBE
        draft["voice"].append(voice_ref(voice.file_id))
    elif message.text:
        if sum(len(x) for x in draft["text"]) + len(message.text) > MAX_TEXT:
            await context.replies.reply(update, t("file.too_long", limit=MAX_TEXT))
            return Filing.DESCRIBE
        draft["text"].append(message.text)
    done = inline([[(t.raw("button.done"), "n", "done", "", "")]])
    # Words alone are not "0 of 5 photos": the count is said once there is a photo.
    added = (
        t("file.added", photos=len(draft["photos"]), limit=MAX_PHOTOS)
        if draft["photos"]
        else t("file.added.words", limit=MAX_PHOTOS)
    )
    await context.replies.reply(update, added, markup=done)
    return Filing.DESCRIBE


async def on_done(update: Update, context: Context) -> Next:
    t = await context.translator()
    draft = _draft(context)
    if not draft["text"] and not draft["photos"] and not draft["voice"]:
        await _show(update, context, t("file.describe.empty"))
        return Filing.DESCRIBE
    await _show(update, context, await _summary(context, draft, t, update), _confirm_keyboard(t))
    return Filing.CONFIRM


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
        urgent = draft["urgency"] == "urgent"
        lines.append(
            t(
                "file.summary.urgency",
                icon="🚨" if urgent else "🕒",
                urgency=t.raw("urgency." + draft["urgency"]),
            )
        )
    if draft.get("kind"):
        lines.append(t("file.summary.kind", kind=t.raw("assist." + draft["kind"])))
    if draft.get("team"):
        lines.append(t("file.summary.team", team=t.raw("complained.team." + draft["team"])))
    lines.append(t("file.summary.text", text="\n".join(draft["text"]) or "-"))
    counted = [(key, len(draft[part])) for key, part in (("photos", "photos"), ("voice", "voice"))]
    if any(n for _, n in counted):
        items = t.join(t.count("count." + key, n) for key, n in counted if n)
        lines.append(t("file.summary.attachments", items=Markup(items)))
    lines.append(Markup(t("file.summary.confirm")))
    return "\n".join(lines)


async def _where_text(
    context: Context, draft: dict[str, Any], t: Translator, update: Update
) -> str:
    if draft.get("where") == "common":
        building = t.building(str(draft.get("building", "")))
        return t.raw("where.common", building=building, spot=draft.get("spot", ""))
    person = await context.person()
    return t.home(person.building, person.unit) if person else "-"


async def on_confirm(update: Update, context: Context) -> Next:
    payload = _pressed(update)
    t = await context.translator()
    draft = _draft(context)
    action = payload.action if payload else "discard"
    if action == "edit":
        draft["text"], draft["photos"], draft["voice"] = [], [], []
        await _show(update, context, t("file.describe"))
        return Filing.DESCRIBE
    if action == "discard":
        assert context.user_data is not None
        context.user_data.pop("draft", None)
        # The menu keyboard comes with a new message (an edit carries inline buttons only).
        await _settle(update, context)
        await context.replies.reply(update, t("file.discarded"), markup=main_menu(t))
        return ConversationHandler.END

    async def ask(text: str, keyboard: InlineKeyboardMarkup) -> None:
        await _show(update, context, text, keyboard)

    if await linking.offered(context, draft, t, ask):
        return Filing.CONFIRM
    return await _file(update, context, draft, t)


async def on_link(update: Update, context: Context) -> Next:
    """The resident's answer to "Is this about R2026-00042?": then it is filed."""
    payload = _pressed(update)
    t = await context.translator()
    draft = _draft(context)
    linking.answered(draft, yes=payload is not None and payload.target == "yes")
    return await _file(update, context, draft, t)


async def _file(
    update: Update,
    context: Context,
    draft: dict[str, Any],
    t: Translator,
    in_place: bool = True,
) -> Next:
    """File the draft (after a press: Confirm, or the answer about an earlier
    case). The confirmation replaces the pressed message where `in_place`."""
    s = context.services
    person = await context.person()
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
        about_team=Team(draft["team"]) if draft.get("team") else None,
        attachments=tuple(draft["photos"] + draft["voice"]),
        no_guard_on_duty=category is Category.ASSISTANCE and not await anyone_on_duty(context),
        repeat_of=draft.get("repeat_of"),
    )
    if not draft.get("separate") and await _joined_incident(context, command, person.user_id):
        await _settle(update, context)
        return ConversationHandler.END
    try:
        decision = await s.desk.file(command)
    except TooManyCases as error:
        # Kept, not dropped: the same summary again, to file once the hour allows.
        await _show(update, context, error_text(error, t), _confirm_keyboard(t))
        return Filing.CONFIRM
    except DomainError as error:
        await _show(update, context, error_text(error, t))
        return Filing.CONFIRM
    except sqlite3.Error:
        # Nothing was stored (the transaction rolled back): say so, and offer the
        # same summary again so one more press files it once the store is back.
        log.exception("filing failed in the store")
        await _show(update, context, t("error.not_saved"), _confirm_keyboard(t))
        return Filing.CONFIRM
    assert context.user_data is not None
    context.user_data.pop("draft", None)
    # The reference and what to expect arrive as the FILED notice, sent straight
    # away, in place of the pressed summary; the staff's cards go beside it, with
    # the courier's round that `deliver_now` wakes. Nothing is awaited before it:
    # a round that ran first would send the notice as a message of its own.
    query = update.callback_query
    pressed = query.message if query is not None and in_place else None
    replaced = await s.outbound.deliver_now(
        decision.case.id,
        person.user_id,
        pressed.message_id if isinstance(pressed, Message) else None,
    )
    if query is not None:
        await context.replies.answer(query)
        if not replaced:
            await _drop_buttons(query, context)
    return ConversationHandler.END


async def _joined_incident(context: Context, command: cmd.FileCase, user_id: int) -> bool:
    """A filing that matches an open known incident is linked to it instead of
    becoming a case: the resident is told at once what the office knows."""
    unit = command.reporter_unit
    linked = await context.services.incidents.join(
        command.category,
        command.location.building,
        user_id,
        unit.unit if unit else None,
        command.description,
    )
    if linked is None:
        return False
    assert context.user_data is not None
    context.user_data["linked_draft"] = context.user_data.pop("draft", None)
    context.outbound.wake()
    return True


async def on_separate(update: Update, context: Context) -> None:
    """'Not this': the complaint linked to a known incident is taken back from
    it and filed as a case of its own, from the same draft."""
    payload = _pressed(update)
    t = await context.translator()
    assert context.user_data is not None
    draft = context.user_data.get("linked_draft")
    number = payload.number if payload else None
    user_id = context.user_id
    if not isinstance(draft, dict) or number is None or user_id is None:
        await _settle(update, context)
        await context.replies.reply(update, t("error.stale"))
        return
    if not await context.services.incidents.separate(number, user_id):
        await _settle(update, context)
        await context.replies.reply(update, t("error.stale"))
        return
    context.user_data.pop("linked_draft", None)
    draft["separate"] = True
    context.user_data["draft"] = draft
    # The incident's message keeps what it said; the case's confirmation is new.
    await _file(update, context, draft, t, in_place=False)
