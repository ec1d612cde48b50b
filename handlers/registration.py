"""A resident registers: building, unit, name, phone (shared with Telegram's
contact button), then the front desk approves or rejects."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler

from handlers.common import Context
from handlers.states import Next, Registration
from views.callbacks import Payload
from views.keyboards import inline, main_menu, pending_menu, share_phone
from workflow.permissions import APPROVERS

UNIT_BUTTONS_MAX = 24


async def begin(update: Update, context: Context) -> Next:
    t = await context.translator()
    buildings = context.estate.buildings
    keyboard = inline([[(t.building(b.id), "r", "bld", b.id, "")] for b in buildings])
    await context.replies.reply(update, t("register.building"), markup=keyboard)
    return Registration.BUILDING


async def on_building(update: Update, context: Context) -> Next:
    query = update.callback_query
    assert query is not None
    await context.replies.answer(query)
    t = await context.translator()
    payload = Payload.decode(query.data)
    building = context.estate.building(payload.target) if payload else None
    if building is None:
        return Registration.BUILDING
    draft = _draft(context)
    draft["building"] = building.id
    units = building.unit_ids()
    if len(units) <= UNIT_BUTTONS_MAX:
        rows = [units[i : i + 4] for i in range(0, len(units), 4)]
        keyboard = inline([[(u, "r", "unit", u, "") for u in row] for row in rows])
        await context.replies.reply(
            update,
            t("register.unit.pick", building=t.building(building.id)),
            markup=keyboard,
        )
    else:
        await context.replies.reply(
            update,
            t(
                "register.unit.type",
                building=t.building(building.id),
                example=units[len(units) // 2],
            ),
        )
    return Registration.UNIT


async def on_unit(update: Update, context: Context) -> Next:
    t = await context.translator()
    query = update.callback_query
    if query is not None:
        await context.replies.answer(query)
        payload = Payload.decode(query.data)
        typed = payload.target if payload else ""
    else:
        assert update.effective_message is not None
        typed = (update.effective_message.text or "").strip()
    draft = _draft(context)
    building = context.estate.building(str(draft.get("building", "")))
    if building is None:
        return await begin(update, context)
    unit = next((u for u in building.unit_ids() if u.upper() == typed.upper()), None)
    if unit is None:
        await context.replies.reply(
            update,
            t("register.unit.unknown", unit=typed[:20], building=t.building(building.id)),
        )
        return Registration.UNIT
    draft["unit"] = unit
    await context.replies.reply(update, t("register.name"))
    return Registration.NAME


async def on_name(update: Update, context: Context) -> Next:
    t = await context.translator()
    assert update.effective_message is not None
    name = " ".join((update.effective_message.text or "").split())
    if not 1 <= len(name) <= 64:
        await context.replies.reply(update, t("register.name.bad"))
        return Registration.NAME
    _draft(context)["name"] = name
    await context.replies.reply(update, t("register.phone"), markup=share_phone(t))
    return Registration.PHONE


async def on_phone(update: Update, context: Context) -> Next:
    t = await context.translator()
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    contact = message.contact
    if contact is None or contact.user_id != user.id:
        await context.replies.reply(update, t("register.phone.use_button"), markup=share_phone(t))
        return Registration.PHONE
    draft = _draft(context)
    person = await context.directory.register(
        user.id,
        name=str(draft.get("name", "")),
        building=str(draft.get("building", "")),
        unit=str(draft.get("unit", "")),
        phone=contact.phone_number,
        language=t.language,
        needs_approval=context.estate.require_approval,
    )
    context.remember(person)
    context.user_data.pop("reg", None)  # type: ignore[union-attr]
    if person.resident_status == "approved":
        await context.replies.reply(update, t("register.done"), markup=main_menu(t))
    else:
        await context.replies.reply(update, t("register.pending"), markup=pending_menu(t))
        context.outbound.wake()  # the front desk's approval card, from the outbox
    return ConversationHandler.END


async def on_approval(update: Update, context: Context) -> None:
    """The front desk approves or rejects a registration."""
    query = update.callback_query
    assert query is not None
    t = await context.translator()
    actor = await context.actor()
    if not actor.roles & APPROVERS:
        await context.replies.answer(query, t.raw("error.not_allowed.short"), alert=True)
        return
    payload = Payload.decode(query.data)
    if payload is None or payload.number is None:
        await context.replies.answer(query, t.raw("error.stale"), alert=True)
        return
    person, person_status = await context.directory.decide_registration(
        payload.number, approve=payload.action == "ok", reason=payload.arg or "other"
    )
    if person is None or person_status != "pending":
        await context.replies.answer(
            query, t.raw("approval.already", status=person_status), alert=True
        )
        return
    await context.replies.answer(query)
    outcome = t(
        "approval.approved" if payload.action == "ok" else "approval.rejected",
        name=person.name,
        building=t.building(person.building),
        unit=person.unit,
        by=update.effective_user.full_name if update.effective_user else "-",
    )
    await context.replies.edit_text(query, outcome)
    context.outbound.wake()  # the resident's answer, from the outbox


def _draft(context: Context) -> dict[str, object]:
    data = context.user_data
    assert data is not None
    draft: dict[str, object] = data.setdefault("reg", {})
    return draft
