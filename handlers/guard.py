"""Guards on patrol: one-handed, big buttons. Going on and off duty, and
relaying a site condition (text, photo, location) to the front desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler

from handlers.common import Context, allowed, error_text
from handlers.states import GuardReport, Next
from views.callbacks import Payload
from views.i18n import Translator, all_labels
from views.keyboards import GUARD_KEYS, inline
from views.notices import photo_ref
from workflow import commands as cmd
from workflow.directory import Person
from workflow.errors import DomainError
from workflow.model import Category, Location, ReporterKind
from workflow.permissions import DUTY_VIEWERS
from workflow.roles import Role

MAX_PHOTOS = 5


def guard_menu(t: Translator, on_duty: bool) -> ReplyKeyboardMarkup:
    toggle = t.raw("guard.go_off" if on_duty else "guard.go_on")
    return ReplyKeyboardMarkup(
        [[KeyboardButton(toggle)], [KeyboardButton(t.raw("guard.report"))]],
        resize_keyboard=True,
        is_persistent=True,
    )


def guard_key(text: str | None) -> str | None:
    if text is None:
        return None
    return next((key for key in GUARD_KEYS if text in all_labels(key)), None)


async def is_guard(context: Context, person: Person | None) -> bool:
    return person is not None and Role.GUARD in person.roles


async def guards_on_duty(context: Context) -> dict[int, datetime]:
    return await context.duty.on_duty()


async def is_on_duty(context: Context, user_id: int) -> bool:
    return user_id in await guards_on_duty(context)


async def anyone_on_duty(context: Context) -> bool:
    return bool(await guards_on_duty(context))


async def show_menu(update: Update, context: Context, t: Translator) -> None:
    assert context.user_id is not None
    on = await is_on_duty(context, context.user_id)
    await context.replies.reply(
        update, t("guard.status.on" if on else "guard.status.off"), markup=guard_menu(t, on)
    )


async def on_guard_menu(update: Update, context: Context) -> Next | None:
    """A tap on the guard keyboard: duty on or off, or start a site report."""
    t = await context.translator()
    person = await context.person()
    if not await is_guard(context, person):
        await context.replies.reply(update, t("error.guards_only"))
        return ConversationHandler.END
    assert person is not None
    assert update.effective_message is not None
    key = guard_key(update.effective_message.text)
    if key == "guard.report":
        return await begin_report(update, context, t)
    on = key == "guard.go_on"
    await context.duty.set(person.user_id, on)
    await context.replies.reply(
        update, t("guard.status.on" if on else "guard.status.off"), markup=guard_menu(t, on)
    )
    return ConversationHandler.END


def _draft(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault("site", {})
    return draft


async def begin_report(update: Update, context: Context, t: Translator) -> Next:
    assert context.user_data is not None
    context.user_data["site"] = {"text": [], "photos": []}
    buildings = context.estate.buildings
    keyboard = inline([[(t.building(b.id), "g", "bld", b.id, "") for b in buildings]])
    await context.replies.reply(update, t("guard.where"), markup=keyboard)
    return GuardReport.WHERE


async def on_where(update: Update, context: Context) -> Next:
    t = await context.translator()
    draft = _draft(context)
    message = update.effective_message
    if update.callback_query is not None:
        await context.replies.answer(update.callback_query)
        payload = Payload.decode(update.callback_query.data)
        building = context.estate.building(payload.target) if payload else None
        if building is None:
            return GuardReport.WHERE
        draft["building"] = building.id
    elif message is not None and message.location is not None:
        draft["latitude"] = message.location.latitude
        draft["longitude"] = message.location.longitude
    done = inline([[(t.raw("button.done"), "g", "done", "", "")]])
    await context.replies.reply(update, t("guard.describe"), markup=done)
    return GuardReport.REPORT


async def on_report_part(update: Update, context: Context) -> Next:
    t = await context.translator()
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if message.location is not None:
        draft["latitude"] = message.location.latitude
        draft["longitude"] = message.location.longitude
    elif message.photo:
        if len(draft["photos"]) < MAX_PHOTOS:
            draft["photos"].append(photo_ref(message.photo[-1].file_id))
        if message.caption:
            draft["text"].append(message.caption)
    elif message.text:
        draft["text"].append(message.text[:1000])
    done = inline([[(t.raw("button.done"), "g", "done", "", "")]])
    await context.replies.reply(update, t("guard.added"), markup=done)
    return GuardReport.REPORT


async def on_report_done(update: Update, context: Context) -> Next:
    query = update.callback_query
    assert query is not None
    await context.replies.answer(query)
    t = await context.translator()
    draft = _draft(context)
    if not draft["text"] and not draft["photos"]:
        await context.replies.reply(update, t("guard.describe"))
        return GuardReport.REPORT
    location = Location(
        building=draft.get("building"),
        area=t.raw("guard.area"),
        latitude=draft.get("latitude"),
        longitude=draft.get("longitude"),
    )
    command = cmd.FileCase(
        actor=await context.actor(),
        category=Category.SITE_CONDITION,
        description="\n".join(draft["text"]) or t.raw("file.no_text"),
        location=location,
        reporter_kind=ReporterKind.GUARD,
        attachments=tuple(draft["photos"]),
    )
    try:
        filed = await context.desk.file(command)
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))
        return GuardReport.REPORT
    assert context.user_data is not None
    context.user_data.pop("site", None)
    context.outbound.wake()
    await context.replies.remove_buttons(query)
    await context.replies.reply(update, t("guard.sent", ref=filed.case.ref))
    return ConversationHandler.END


DUTY_POSTS = ("technician", "captain", "manager")


async def duty(update: Update, context: Context) -> None:
    """Who is on duty now, for the captain and the front desk."""
    t = await allowed(update, context, DUTY_VIEWERS)
    if t is None:
        return
    on = await guards_on_duty(context)
    hours, now = context.desk.policy.hours, context.clock.now()
    rota = {post: hours.on_duty(post, now) for post in DUTY_POSTS}
    people = await context.directory.people(set(on) | {u for ids in rota.values() for u in ids})
    lines = [t("duty.title", count=len(on))] if on else [t("duty.none")]
    lines += [
        t("duty.line", name=p.name if (p := people.get(uid)) else uid, since=t.when(since))
        for uid, since in sorted(on.items(), key=lambda item: item[1])
    ]
    # The out-of-hours duty rota (estate.toml [[hours.duty]]): tonight's holders.
    if any(rota.values()):
        lines.append(t("duty.rota.title"))
        lines += [
            t(
                "duty.rota.line",
                post=t("duty.post." + post),
                names=t.join(str(p.name if (p := people.get(u)) else u) for u in ids),
            )
            for post, ids in rota.items()
            if ids
        ]
    await context.replies.reply(update, "\n".join(lines))


def duty_handlers() -> list[object]:
    return [CommandHandler("duty", duty)]
