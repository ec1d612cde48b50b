"""Staff in their group chats: setting up, case cards and their buttons,
authorization, escalation they can see, reclassify and merge."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

from tests.e2e.harness import ADMIN_ID, Estate, running_estate
from tests.e2e.steps import file_case, last_text
from workflow.model import Category, Severity, Status
from workflow.roles import Role


async def test_an_admin_invites_staff_and_binds_a_group(tmp_path: Path) -> None:
    async with running_estate(tmp_path, bind_groups=False) as estate:
        world = estate.world
        admin = world.users[ADMIN_ID]
        admin.send("/invite plumber")
        await estate.settle()
        assert "Usage" in last_text(admin)
        admin.send("/invite repair_lead")
        await estate.settle()
        link = re.search(r"start=(inv-[\w-]+)", last_text(admin))
        assert link, last_text(admin)

        newbie = world.user(300, "Nora New", language_code="en")
        newbie.send(f"/start {link.group(1)}")
        await estate.settle()
        assert "repair team lead" in last_text(newbie)
        intruder = world.user(301, "Ian Intruder", language_code="en")
        intruder.send(f"/start {link.group(1)}")  # one use only
        await estate.settle()
        assert "invalid or has expired" in last_text(intruder)

        intruder.send("/invite manager")
        await estate.settle()
        assert "Only bot admins" in last_text(intruder)

        group = world.group("Repairs", [admin, newbie, intruder])
        intruder.send("/bind repair_lead", chat=group)
        await estate.settle()
        admin.send("/bind repair_lead en", chat=group)
        await estate.settle()
        said = [m.text for m in group.bot_messages()]
        assert "只限系統管理員使用" in said[0]  # an unbound group: the estate default language
        assert any("now serves the repair team lead" in text for text in said)

        newbie.send("/whoami")
        await estate.settle()
        assert "repair team lead" in last_text(newbie)
        admin.send("/staff", chat=group)
        await estate.settle()
        assert "Nora New" in group.bot_messages()[-1].text

        ref = await file_case(
            estate, estate.resident("smith"), "🔧 Report a repair", "Door hinge", urgency="🕒"
        )
        card = await estate.world.wait_for(
            lambda: next((m for m in group.bot_messages() if ref in m.text), None)
        )
        assert "👷 Acknowledge" in card.button_labels  # the group's own language: English


async def test_only_the_right_roles_can_press_and_refusals_change_nothing(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "洗手盆塞", urgency="🕒")
    group = estate.groups[Role.REPAIR_LEAD]
    group.members[chan.id] = "member"  # a resident added to the staff group
    card = await estate.card(Role.REPAIR_LEAD, ref)

    refused = await estate.press(chan, card, "接手")
    cleaner = await estate.press(estate.staff(Role.CLEANING_LEAD), card, "接手")

    assert refused == "⛔ 你沒有權限進行此操作。"
    assert cleaner == refused
    assert (await estate.case(ref)).status is Status.NEW


async def test_two_leads_press_acknowledge_at_once_and_exactly_one_wins(
    estate: Estate,
) -> None:
    second = estate.world.user(27, "Lin Repair", language_code="zh-hant")
    async with estate.app.bot_data["estate_desk"].store.transaction() as tx:
        from workflow.directory import Person

        await tx.save_person(
            Person(user_id=27, name="Lin Repair", roles=[Role.REPAIR_LEAD]), estate.clock.now()
        )
    group = estate.groups[Role.REPAIR_LEAD]
    group.members[27] = "member"
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "冷氣滴水", urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    first = estate.staff(Role.REPAIR_LEAD)

    queries = [first.press(card, "接手"), second.press(card, "接手")]
    answers = await asyncio.gather(
        *(u.answer_to(q) for u, q in zip((first, second), queries, strict=True))
    )
    await estate.settle()

    texts = sorted(a.text or "" for a in answers)
    assert texts[0] == "已完成"
    assert texts[1].startswith("已由 ")
    case = await estate.case(ref)
    assert case.acknowledged_by in (first.id, second.id)
    assert "接手" not in (await estate.card(Role.REPAIR_LEAD, ref)).button_labels


async def test_an_unacknowledged_case_climbs_and_everyone_sees_why(estate: Estate) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "大廈門鎖壞", urgency="🕒")
    lead_card = await estate.card(Role.REPAIR_LEAD, ref)

    await estate.advance(timedelta(minutes=25))  # 80 % of 30 minutes has gone
    lead_group = estate.groups[Role.REPAIR_LEAD].bot_messages()
    warning = next(m for m in lead_group if "時限將至" in m.text)
    assert warning.raw["reply_to_message"]["message_id"] == lead_card.message_id

    await estate.advance(timedelta(minutes=6))
    supervisor_card = await estate.card(Role.REPAIR_SUPERVISOR, ref)
    supervisor_group = estate.groups[Role.REPAIR_SUPERVISOR].bot_messages()
    assert any("維修組長未能按時接手" in m.text for m in supervisor_group)
    assert (
        "上報至維修主管" in estate.groups[Role.REPAIR_LEAD].messages[lead_card.message_id]["text"]
    )
    assert "因未能按時處理，已上報維修主管跟進" in last_text(chan)

    for _ in range(2):  # supervisor, then cs supervisor, let it pass
        await estate.advance(timedelta(minutes=31))
    manager_card = await estate.card(Role.MANAGER, ref)
    await estate.advance(timedelta(minutes=31))
    reminders = [m for m in estate.groups[Role.MANAGER].bot_messages() if "催辦" in m.text]
    assert reminders
    assert supervisor_card
    assert manager_card


async def test_front_desk_reclassifies_and_merges_duplicates(estate: Estate) -> None:
    chan, wang = estate.resident("chan"), estate.resident("wang")
    desk = estate.staff(Role.FRONT_DESK)
    first = await file_case(estate, chan, "🔧 報修", "升降機停咗", urgency="🚨")
    second = await file_case(estate, wang, "🔧 报修", "电梯不动", urgency="🚨")
    group = estate.groups[Role.REPAIR_LEAD]
    estate.groups[Role.FRONT_DESK].members[desk.id] = "member"
    group.members[desk.id] = "member"

    card = await estate.card(Role.REPAIR_LEAD, second)
    await estate.press(desk, card, "合併")
    prompt = group.bot_messages()[-1]
    desk.send(first, chat=group, reply_to=prompt)
    await estate.settle()
    assert (await estate.case(second)).status is Status.MERGED
    assert any(first in m.text for m in wang.private.bot_messages()[-2:])

    card = await estate.card(Role.REPAIR_LEAD, first)
    await estate.press(desk, card, "重新分類")
    assert not group.bot_messages()[-1].buttons, "the menu is not posted in the team's group"
    picker = desk.private.bot_messages()[-1]
    await estate.press(desk, picker, "清潔")
    await estate.press(desk, desk.private.bot_messages()[-1], "較大")
    case = await estate.case(first)
    assert (case.category, case.severity, case.rung) == (
        Category.CLEANING,
        Severity.MAJOR,
        Role.CLEANING_SUPERVISOR,
    )
    assert await estate.card(Role.CLEANING_SUPERVISOR, first)


async def test_a_bot_restarted_in_the_middle_of_an_escalation_escalates_once(
    estate: Estate,
) -> None:
    ref = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "No hot water", urgency="🕒"
    )
    await estate.stop_bot()
    estate.clock.advance(timedelta(hours=2))  # the deadline passes while the bot is down

    await estate.start_bot()
    await estate.advance(timedelta(seconds=1))
    await estate.advance(timedelta(seconds=1))

    supervisor_cards = [
        m
        for m in estate.groups[Role.REPAIR_SUPERVISOR].bot_messages()
        if ref in m.text and "📍" in m.text
    ]
    assert len(supervisor_cards) == 1
    assert (await estate.case(ref)).rung is Role.REPAIR_SUPERVISOR


async def test_a_lead_returns_a_case_and_the_front_desk_writes_to_the_resident(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    lead, desk = estate.staff(Role.REPAIR_LEAD), estate.staff(Role.FRONT_DESK)
    ref = await file_case(estate, chan, "🔧 報修", "鄰居太嘈", urgency="🕒")
    group = estate.groups[Role.REPAIR_LEAD]
    card = await estate.card(Role.REPAIR_LEAD, ref)

    await estate.press(lead, card, "退回客戶服務台")
    lead.send("不是維修問題", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()

    desk_group = estate.groups[Role.FRONT_DESK]
    assert any("不是維修問題" in m.text for m in desk_group.bot_messages())
    desk_card = await estate.card(Role.FRONT_DESK, ref)
    assert "重新分類" in " ".join(desk_card.button_labels)
    assert (await estate.case(ref)).rung is Role.FRONT_DESK

    await estate.press(desk, desk_card, "聯絡住戶")
    desk.send("請問今晚幾點最嘈?", chat=desk_group, reply_to=desk_group.bot_messages()[-1])
    await estate.settle()
    assert "請問今晚幾點最嘈?" in last_text(chan)
    assert "管理處" in last_text(chan)


async def test_a_critical_case_reaches_the_manager_with_the_residents_contact(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    manager = estate.staff(Role.MANAGER)
    ref = await file_case(estate, smith, "🛡 Complaint about security", "Intruder on my floor")
    cs = estate.staff(Role.CS_SUPERVISOR)
    card = await estate.card(Role.SECURITY_CAPTAIN, ref)
    estate.groups[Role.SECURITY_CAPTAIN].members[cs.id] = "member"
    estate.groups[Role.SECURITY_CAPTAIN].members[estate.staff(Role.FRONT_DESK).id] = "member"
    desk = estate.staff(Role.FRONT_DESK)
    await estate.press(desk, card, "重新分類")
    picker = desk.private.bot_messages()[-1]
    await estate.press(desk, picker, "保安投訴")
    await estate.press(desk, desk.private.bot_messages()[-1], "重大")

    manager_card = await estate.card(Role.MANAGER, ref)
    assert "+85298765432" in last_text(manager), "the contact comes privately"
    assert "+852" not in manager_card.text
    await estate.press(manager, manager_card, "到場")
    manager_card = await estate.card(Role.MANAGER, ref)
    labels = [b.text for row in manager_card.buttons for b in row]
    assert not any("處理" in label for label in labels), (
        "no Resolve before the resident is contacted"
    )
    await estate.press(manager, manager_card, "已聯絡住戶")
    assert (await estate.case(ref)).resident_contacted_at is not None

    manager_card = await estate.card(Role.MANAGER, ref)
    await estate.press(manager, manager_card, "處理")
    group = estate.groups[Role.MANAGER]
    manager.send("Police called", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    assert (await estate.case(ref)).status is Status.RESOLVED


async def test_the_overview_lists_open_cases_overdue_first(estate: Estate) -> None:
    chan, smith = estate.resident("chan"), estate.resident("smith")
    late = await file_case(estate, chan, "🔧 報修", "窗鉸壞", urgency="🕒")
    await estate.advance(timedelta(minutes=20))
    fresh = await file_case(estate, smith, "🧹 Cleaning problem", "Spilled paint")
    await estate.advance(timedelta(minutes=15))
    group = estate.groups[Role.MANAGER]

    estate.world.users[ADMIN_ID].send("/overview", chat=group)
    await estate.settle()
    text = group.bot_messages()[-1].text

    assert "2" in text.split("\n")[0]
    assert text.index(late) < text.index(fresh)
    assert "⏰" in text.split(late)[0].rsplit("\n", 1)[-1] or "逾時" in text

    chan.send("/overview")
    await estate.settle()
    assert "沒有權限" in last_text(chan)


async def test_a_forum_group_gives_each_case_its_own_topic(tmp_path: Path) -> None:
    async with running_estate(tmp_path, bind_groups=False) as estate:
        admin = estate.world.users[ADMIN_ID]
        lead = estate.staff(Role.REPAIR_LEAD)
        forum = estate.world.group("Repairs forum", [admin, lead], forum=True)
        admin.send("/bind repair_lead", chat=forum)
        await estate.settle()

        ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "水壓低", urgency="🕒")

        assert list(forum.topics.values()) == [ref]
        [thread] = forum.topics
        card = next(m for m in forum.view(thread) if "📍" in m.text)
        await estate.advance(timedelta(minutes=25))
        warning = next(m for m in forum.bot_messages() if "時限將至" in m.text)
        assert warning.thread_id == thread
        assert card.thread_id == thread


async def test_escalate_by_hand_and_a_press_on_a_case_that_moved_on(estate: Estate) -> None:
    chan = estate.resident("chan")
    lead = estate.staff(Role.REPAIR_LEAD)
    group = estate.groups[Role.REPAIR_LEAD]
    ref = await file_case(estate, chan, "🔧 報修", "外牆剝落", urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)

    await estate.press(lead, card, "上報")
    lead.send("需要外判棚架", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()

    supervisor_group = estate.groups[Role.REPAIR_SUPERVISOR].bot_messages()
    assert any("需要外判棚架" in m.text for m in supervisor_group)
    assert (await estate.case(ref)).rung is Role.REPAIR_SUPERVISOR

    supervisor = estate.staff(Role.REPAIR_SUPERVISOR)
    supervisor_card = await estate.card(Role.REPAIR_SUPERVISOR, ref)
    await estate.press(supervisor, supervisor_card, "接手")
    stale = lead.press_data(card, card.button("接手").callback_data or "")
    answer = await lead.answer_to(stale)
    assert answer.show_alert
    assert "Sam Repair" in (answer.text or "")
    assert (await estate.case(ref)).acknowledged_by == supervisor.id


async def test_unbinding_a_group_sends_its_cases_to_the_role_holders_privately(
    estate: Estate,
) -> None:
    admin = estate.world.users[ADMIN_ID]
    group = estate.groups[Role.CLEANING_LEAD]
    admin.send("/unbind", chat=group)
    await estate.settle()
    assert "清潔組長" in group.bot_messages()[-1].text
    admin.send("/unbind", chat=group)
    await estate.settle()
    assert "沒有設定職位" in group.bot_messages()[-1].text

    ref = await file_case(estate, estate.resident("chan"), "🧹 清潔問題", "樓梯有水")
    cleo = estate.staff(Role.CLEANING_LEAD)
    card = await cleo.wait_for_button("接手")
    assert ref in card.text


async def test_reminders_due_at_once_for_the_manager_are_one_message(estate: Estate) -> None:
    chan, wang = estate.resident("chan"), estate.resident("wang")
    refs = [
        await file_case(estate, chan, "🔧 報修", "大廈門鎖壞", urgency="🕒"),
        await file_case(estate, wang, "🔧 报修", "走廊灯坏了", urgency="🕒"),
    ]
    for _ in range(3):  # the supervisor, the cs supervisor, the manager: nobody acts
        await estate.advance(timedelta(minutes=31))
    manager = estate.groups[Role.MANAGER]
    before = len(manager.bot_messages())
    await estate.advance(timedelta(minutes=31))

    said = [m.text for m in manager.bot_messages()[before:] if "催辦" in m.text]
    assert len(said) == 1, said
    assert "2 宗個案仍未完成" in said[0]
    assert all(ref in said[0] for ref in refs)


async def test_an_escalation_is_one_card_above_and_an_edit_below(estate: Estate) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "大廈門鎖壞", urgency="🕒")
    lead_card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.advance(timedelta(minutes=25))  # the 80 % warning
    lead, supervisor = estate.groups[Role.REPAIR_LEAD], estate.groups[Role.REPAIR_SUPERVISOR]
    lead_before, supervisor_before = len(lead.bot_messages()), len(supervisor.bot_messages())

    await estate.advance(timedelta(minutes=6))

    told = [m for m in supervisor.bot_messages()[supervisor_before:] if ref in m.text]
    assert len(told) == 1, [m.text for m in told]
    assert "已上報給你" in told[0].text
    assert "維修組長未能按時接手" in told[0].text
    assert "接手" in " ".join(told[0].button_labels), "the card to act on"
    assert len(lead.bot_messages()) == lead_before, "the lead's group gets no new message"
    assert "已上報至維修主管" in lead.messages[lead_card.message_id]["text"], "its card says so"
