"""A resident registers: building, unit, name, phone (shared with Telegram's
contact button), then the front desk approves or rejects."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from delivery.records import Notice
from handlers.common import Context, actor_of, person_of, reply, svc, t_user
from handlers.states import REG_BUILDING, REG_NAME, REG_PHONE, REG_UNIT
from views.announcements import Announcement
from views.callbacks import Payload
from views.keyboards import inline, main_menu, share_phone
from workflow.directory import Person
from workflow.roles import Role

UNIT_BUTTONS_MAX = 24
APPROVERS = frozenset({Role.FRONT_DESK, Role.CS_SUPERVISOR, Role.MANAGER})


async def begin(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    buildings = svc(context).estate.buildings
    keyboard = inline([[(b.name or b.id, "r", "bld", b.id, "")] for b in buildings])
    await reply(update, t("register.building"), reply_markup=keyboard)
    return REG_BUILDING


async def on_building(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    t = await t_user(update, context)
    payload = Payload.decode(query.data)
    building = svc(context).estate.building(payload.target) if payload else None
    if building is None:
        return REG_BUILDING
    draft = _draft(context)
    draft["building"] = building.id
    units = building.unit_ids()
    if len(units) <= UNIT_BUTTONS_MAX:
        rows = [units[i : i + 4] for i in range(0, len(units), 4)]
        keyboard = inline([[(u, "r", "unit", u, "") for u in row] for row in rows])
        await reply(
            update,
            t("register.unit.pick", building=building.name or building.id),
            reply_markup=keyboard,
        )
    else:
        await reply(
            update,
            t(
                "register.unit.type",
                building=building.name or building.id,
                example=units[len(units) // 2],
            ),
        )
    return REG_UNIT


async def on_unit(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    query = update.callback_query
    if query is not None:
        await query.answer()
        payload = Payload.decode(query.data)
        typed = payload.target if payload else ""
    else:
        assert update.effective_message is not None
        typed = (update.effective_message.text or "").strip()
    draft = _draft(context)
    building = svc(context).estate.building(str(draft.get("building", "")))
    if building is None:
        return await begin(update, context)
    unit = next((u for u in building.unit_ids() if u.upper() == typed.upper()), None)
    if unit is None:
        await reply(
            update,
            t("register.unit.unknown", unit=typed[:20], building=building.name or building.id),
        )
        return REG_UNIT
    draft["unit"] = unit
    await reply(update, t("register.name"))
    return REG_NAME


async def on_name(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    assert update.effective_message is not None
    name = " ".join((update.effective_message.text or "").split())
    if not 1 <= len(name) <= 64:
        await reply(update, t("register.name.bad"))
        return REG_NAME
    _draft(context)["name"] = name
    await reply(update, t("register.phone"), reply_markup=share_phone(t))
    return REG_PHONE


async def on_phone(update: Update, context: Context) -> int:
    t = await t_user(update, context)
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None
    contact = message.contact
    if contact is None or contact.user_id != user.id:
        await reply(update, t("register.phone.use_button"), reply_markup=share_phone(t))
        return REG_PHONE
    s = svc(context)
    draft = _draft(context)
    existing = await person_of(context, user)
    person = existing or Person(user_id=user.id)
    person.name = str(draft.get("name", ""))
    person.building = str(draft.get("building", ""))
    person.unit = str(draft.get("unit", ""))
    person.phone = contact.phone_number
    person.language = person.language or t.language
    person.resident_status = "pending" if s.estate.require_approval else "approved"
    async with s.store.transaction() as tx:
        await tx.save_person(person, s.clock.now())
        if person.resident_status == "pending":
            # The front desk's approval card, written with the request it is about.
            await tx.enqueue_notices([_approval_request(person)], s.clock.now())
    context.user_data.pop("reg", None)  # type: ignore[union-attr]
    if person.resident_status == "approved":
        await reply(update, t("register.done"), reply_markup=main_menu(t))
    else:
        await reply(update, t("register.pending"), reply_markup=main_menu(t))
        s.wake_courier()
    return ConversationHandler.END


def _approval_request(person: Person) -> Notice:
    return Notice(
        kind=Announcement.APPROVAL_REQUEST,
        role=Role.FRONT_DESK,
        params={
            "user_id": person.user_id,
            "name": person.name,
            "building": person.building,
            "unit": person.unit,
            "phone": person.phone,
        },
    )


async def on_approval(update: Update, context: Context) -> None:
    """The front desk approves or rejects a registration."""
    query = update.callback_query
    assert query is not None
    t = await t_user(update, context)
    actor = await actor_of(context, update.effective_user)
    if not actor.roles & APPROVERS:
        await query.answer(t.raw("error.not_allowed.short"), show_alert=True)
        return
    payload = Payload.decode(query.data)
    if payload is None or payload.number is None:
        await query.answer(t.raw("error.stale"), show_alert=True)
        return
    s = svc(context)
    async with s.store.transaction() as tx:
        person = await tx.person(payload.number)
        if person is None or person.resident_status != "pending":
            person_status = person.resident_status if person else "none"
        else:
            person_status = "pending"
            person.resident_status = "approved" if payload.action == "ok" else "rejected"
            await tx.save_person(person, s.clock.now())
            # The resident's answer, written with the decision it announces.
            decided = Notice(
                kind=Announcement.REGISTRATION_DECIDED,
                user_id=person.user_id,
                params={"approved": payload.action == "ok", "reason": payload.arg or "other"},
            )
            await tx.enqueue_notices([decided], s.clock.now())
    if person is None or person_status != "pending":
        await query.answer(t.raw("approval.already", status=person_status), show_alert=True)
        return
    await query.answer()
    outcome = t(
        "approval.approved" if payload.action == "ok" else "approval.rejected",
        name=person.name,
        building=person.building,
        unit=person.unit,
        by=update.effective_user.full_name if update.effective_user else "-",
    )
    await query.edit_message_text(outcome, parse_mode=ParseMode.HTML)
    s.wake_courier()


def _draft(context: Context) -> dict[str, object]:
    data = context.user_data
    assert data is not None
    draft: dict[str, object] = data.setdefault("reg", {})
    return draft
