"""Bad days for groups and reachability: a staff group upgraded to a supergroup,
the bot removed from a group or the group deleted, a complaint about guards
sorted toward the guards, a resident who blocked the bot and came back."""

from __future__ import annotations

import logging

import pytest

from bot.services import services
from playground.fake_telegram import Chat, FakeUser, Shown
from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import REF, file_case, last_text, tap
from workflow import commands as cmd
from workflow.directory import RoleGroup
from workflow.model import Actor, Category, Location, Urgency
from workflow.roles import Role


async def binding(estate: Estate, role: Role) -> RoleGroup | None:
    async with services(estate.app).store.reading() as tx:
        return await tx.role_group(role)


async def outcomes(estate: Estate) -> dict[str, int]:
    async with services(estate.app).store.reading() as tx:
        return await tx.outbox_counts()


async def reachable(estate: Estate, user: FakeUser) -> bool:
    async with services(estate.app).store.reading() as tx:
        person = await tx.person(user.id)
    assert person is not None
    return person.reachable


async def filed_by_chan(estate: Estate, category: Category, text: str, where: Location) -> str:
    """A case from Chan filed straight with the desk (her phone is not the point
    here), once everything it announces has gone out; returns its reference."""
    svc = services(estate.app)
    filed = await svc.desk.file(
        cmd.FileCase(
            actor=Actor(100, frozenset({Role.RESIDENT})),
            category=category,
            description=text,
            location=where,
            urgency=Urgency.NORMAL if category is Category.REPAIR else None,
            reporter_unit=where if where.unit else None,
        )
    )
    svc.wake_courier()
    await estate.settle()
    return filed.case.ref


async def file_repair(estate: Estate, text: str = "廚房水喉漏水", unit: str = "12A") -> str:
    """A repair in Chan's own flat by default; she has opened the bot before."""
    estate.world.started.add(100)
    return await filed_by_chan(estate, Category.REPAIR, text, Location("A", unit))


def mentions(chat: Chat, text: str) -> list[Shown]:
    return [m for m in chat.bot_messages() if text in m.text]


async def admin_started(estate: Estate) -> FakeUser:
    admin = estate.world.users[ADMIN_ID]
    admin.send("/start")
    await estate.settle()
    return admin


# --- 1. a group upgraded to a supergroup --------------------------------------------


@pytest.mark.parametrize("announced", [True, False], ids=["migrate update", "ChatMigrated"])
async def test_a_group_upgraded_to_a_supergroup_keeps_getting_its_cases(
    estate: Estate, announced: bool
) -> None:
    """Told by the `migrate_to_chat_id` update, or only by the Bot API's answer
    (ChatMigrated) to the next message: the binding follows, the message that
    failed goes to the supergroup, and the case's later messages follow it."""
    old = estate.groups[Role.REPAIR_LEAD]
    new = estate.world.migrate(old, announce=announced)
    estate.groups[Role.REPAIR_LEAD] = new
    await estate.settle()
    before = len(old.messages)

    ref = await file_repair(estate)
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert card.chat_id == new.id
    found = await binding(estate, Role.REPAIR_LEAD)
    assert found is not None
    assert found.chat_id == new.id

    lead = estate.staff(Role.REPAIR_LEAD)
    await estate.press(lead, card, "接手")
    assert "Leo Repair" in (await estate.card(Role.REPAIR_LEAD, ref)).text
    chan = estate.resident("chan")
    assert mentions(chan.private, "Leo Repair"), chan.transcript()
    second = await file_repair(estate, "浴室去水慢", unit="12B")
    assert (await estate.card(Role.REPAIR_LEAD, second)).chat_id == new.id
    assert len(old.messages) == before, "nothing more went to the old group"
    counts = await outcomes(estate)
    assert counts.get("pending", 0) == 0
    assert not [k for k in counts if k.startswith("refused")], counts


async def test_a_new_residents_approval_card_reaches_a_front_desk_group_that_was_upgraded(
    estate: Estate,
) -> None:
    desk_group = estate.world.migrate(estate.groups[Role.FRONT_DESK], announce=False)
    estate.groups[Role.FRONT_DESK] = desk_group
    lee = estate.world.user(200, "Lee", language_code="zh-HK")
    lee.send("/start")
    await estate.settle()
    await tap(estate, lee, "B座")
    await tap(estate, lee, "2A")
    lee.send("李小明")
    await estate.settle()
    lee.send_contact("+85261234567")
    await estate.settle()

    card = await estate.world.wait_for(
        lambda: next((m for m in desk_group.bot_messages() if "李小明" in m.text), None),
        what="the approval card in the supergroup",
    )
    await estate.press(estate.staff(Role.FRONT_DESK), card, "批准")
    assert "已獲批准" in last_text(lee)


# --- 3. the bot removed from a group, or the group deleted -------------------------------


async def test_the_bot_removed_from_a_group_tells_the_office_and_its_cases_go_to_the_role_privately(
    estate: Estate, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await admin_started(estate)
    group = estate.groups[Role.REPAIR_LEAD]
    lead = estate.staff(Role.REPAIR_LEAD)
    waiting = await file_repair(estate, "露台燈壞", unit="12C")  # untouched when the bot goes
    with caplog.at_level(logging.WARNING):
        estate.world.set_bot_status(group, "kicked", by=admin)
        await estate.settle()
    card = await lead.wait_for_message(waiting)
    assert card.button_labels, "the case already waiting reaches the lead too, not its timer"

    found = await binding(estate, Role.REPAIR_LEAD)
    assert found is not None, "the binding is kept"
    assert found.broken
    assert any("removed from group" in r.getMessage() for r in caplog.records)
    assert mentions(admin.private, "I can no longer post in the group"), admin.transcript()
    assert mentions(estate.groups[Role.FRONT_DESK], "我已無法在群組")

    ref = await file_repair(estate)
    card = await lead.wait_for_message(ref)
    assert card.button_labels, "the lead gets the new card to act on, privately"
    assert not mentions(group, ref)

    estate.world.set_bot_status(group, "administrator", by=admin)
    await estate.settle()
    assert mentions(admin.private, "I am back in the group")
    found = await binding(estate, Role.REPAIR_LEAD)
    assert found is not None
    assert not found.broken
    again = await file_repair(estate, "浴室去水慢", unit="12B")
    assert (await estate.card(Role.REPAIR_LEAD, again)).chat_id == group.id


@pytest.mark.parametrize("how", ["kicked", "deleted"])
async def test_a_group_that_refuses_the_bot_is_found_out_on_the_next_message(
    estate: Estate, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No update said so: the next message is answered 403 "bot was kicked from
    the group chat", or 400 "chat not found" for a deleted group."""
    admin = await admin_started(estate)
    group = estate.groups[Role.REPAIR_LEAD]
    if how == "kicked":
        group.members[estate.world.bot_id] = "kicked"
    else:
        estate.world.delete_group(group)
    lead = estate.staff(Role.REPAIR_LEAD)

    with caplog.at_level(logging.WARNING):
        ref = await file_repair(estate)
    await lead.wait_for_message(ref)  # the message the group refused, sent to the lead
    found = await binding(estate, Role.REPAIR_LEAD)
    assert found is not None
    assert found.broken
    assert any(
        "marked broken" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records
    )
    assert mentions(admin.private, "I can no longer post in the group")
    assert mentions(estate.groups[Role.FRONT_DESK], "我已無法在群組")
    assert (await outcomes(estate)).get("pending", 0) == 0


async def test_a_lost_group_whose_role_nobody_holds_goes_to_the_rung_above(
    estate: Estate,
) -> None:
    svc = services(estate.app)
    cleaner = estate.staff(Role.CLEANING_LEAD)
    async with svc.store.transaction() as tx:
        person = await tx.person(cleaner.id)
        assert person is not None
        person.roles = []
        await tx.save_person(person, estate.clock.now())
    estate.world.delete_group(estate.groups[Role.CLEANING_LEAD])
    ref = await filed_by_chan(estate, Category.CLEANING, "大堂地滑", Location("A", area="lobby"))
    card = await estate.card(Role.CLEANING_SUPERVISOR, ref)
    assert card.button_labels


# --- 7. a complaint about guards never reaches a guard -------------------------------------


async def test_the_desk_cannot_send_a_complaint_about_guards_to_the_guards(
    estate: Estate,
) -> None:
    text, lobby = "夜更保安成晚瞓覺", Location("A", area="lobby")
    ref = await filed_by_chan(estate, Category.SECURITY, text, lobby)
    desk = estate.staff(Role.FRONT_DESK)
    group = estate.groups[Role.SECURITY_CAPTAIN]
    group.members[desk.id] = "member"

    card = await estate.card(Role.SECURITY_CAPTAIN, ref)
    await estate.press(desk, card, "重新分類")
    answer = await estate.press(desk, desk.private.bot_messages()[-1], "臨時協助")

    assert answer is not None
    assert "針對保安員的投訴" in answer
    case = await estate.case(ref)
    assert (case.category, case.rung) == (Category.SECURITY, Role.SECURITY_CAPTAIN)
    assert not mentions(estate.groups[Role.GUARD], ref)


# --- 9. a resident who blocked the bot, then came back ----------------------------------------


async def blocked_while_their_case_moved(estate: Estate, announce: bool) -> tuple[FakeUser, str]:
    """Smith files, blocks the bot, and the lead takes the case meanwhile."""
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Window jammed", urgency="🕒")
    estate.world.block(smith, announce=announce)
    await estate.settle()
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(estate.staff(Role.REPAIR_LEAD), card, "接手")
    assert not await reachable(estate, smith)
    assert not mentions(smith.private, "has acknowledged")
    return smith, ref


async def test_a_resident_who_blocked_the_bot_and_files_again_gets_the_reference(
    estate: Estate,
) -> None:
    smith, first = await blocked_while_their_case_moved(estate, announce=False)
    second = await file_case(estate, smith, "🔧 Report a repair", "Door bell dead", urgency="🕒")
    assert second != first
    assert await reachable(estate, smith)
    told = mentions(smith.private, "has acknowledged")
    assert told, smith.transcript()
    assert REF.search(told[0].text)
    assert first in told[0].text


async def test_unblocking_the_bot_delivers_what_waited(estate: Estate) -> None:
    smith, ref = await blocked_while_their_case_moved(estate, announce=True)
    estate.world.unblock(smith)
    await estate.settle()
    assert await reachable(estate, smith)
    assert any(ref in m.text for m in mentions(smith.private, "has acknowledged"))


async def test_a_button_press_from_a_resident_who_blocked_the_bot_marks_them_reachable(
    estate: Estate,
) -> None:
    smith, ref = await blocked_while_their_case_moved(estate, announce=False)
    estate.world.blocked.discard(smith.id)  # unblocked on the phone; Telegram said nothing
    old = smith.private.bot_messages()[-1]
    await smith.answer_to(smith.press_data(old, "x:gone"))
    await estate.settle()
    assert await reachable(estate, smith)
    assert any(ref in m.text for m in mentions(smith.private, "has acknowledged"))
