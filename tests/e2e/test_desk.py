"""The office's own way of working (issue 14): the front desk sorts every case
from its own group, a management complaint reaches the supervisor of the team
it is about, cards say where a case went, media travel with the card, and a
guard's location is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from playground.fake_telegram import FakeUser, Shown
from tests.e2e.harness import Estate
from tests.e2e.steps import classify, file_case, last_text, tap, to_summary
from workflow.model import Category, Severity, Status, Team, Urgency
from workflow.roles import Role

DESK = Role.FRONT_DESK


async def desk_line(estate: Estate, ref: str) -> Shown:
    """The line a new case gets in the front desk's group, with the desk's buttons."""
    group = estate.groups[DESK]
    found: Shown = await estate.world.wait_for(
        lambda: next(
            (m for m in reversed(group.bot_messages()) if ref in m.text and m.buttons),
            None,
        ),
        what=f"the desk's line for {ref}",
    )
    return found


def only_in_own_group(estate: Estate, person: FakeUser, role: Role) -> None:
    for other, chat in estate.groups.items():
        if other is not role:
            assert person.id not in chat.members, f"{person.id} had to join {other}"


# --- 1. management complaints name the team concerned --------------------------------------


@pytest.mark.parametrize(
    ("team", "label", "supervisor"),
    [
        (Team.REPAIR, "維修組", Role.REPAIR_SUPERVISOR),
        (Team.CLEANING, "清潔組", Role.CLEANING_SUPERVISOR),
        (Team.SECURITY, "保安組", Role.SECURITY_SUPERVISOR),
        (Team.SERVICE, "管理處本身", Role.CS_SUPERVISOR),
    ],
)
async def test_a_major_management_complaint_reaches_the_teams_supervisor_and_the_cs_supervisor(
    estate: Estate, team: Team, label: str, supervisor: Role
) -> None:
    chan = estate.resident("chan")
    summary = await to_summary(estate, chan, "🏢 投訴管理工作", "職員態度差", kind=label)
    assert label in summary.text
    ref = await _confirm(estate, chan, summary)
    assert (await estate.case(ref)).about_team is team

    desk = estate.staff(DESK)
    await classify(estate, desk, await desk_line(estate, ref), "管理工作投訴", "較大", team=label)

    case = await estate.case(ref)
    assert (case.category, case.severity, case.rung) == (
        Category.MANAGEMENT,
        Severity.MAJOR,
        supervisor,
    )
    assert case.about_team is team
    assert await estate.card(supervisor, ref)
    cs_group = estate.groups[Role.CS_SUPERVISOR]
    assert any(ref in m.text for m in cs_group.bot_messages()), "the cs supervisor is told too"
    only_in_own_group(estate, desk, DESK)


async def test_an_english_complaint_about_the_cleaners_names_the_team_on_the_card(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    summary = await to_summary(
        estate, smith, "🏢 Complaint about management", "Rude cleaner", kind="cleaning team"
    )
    assert "About: The cleaning team" in summary.text
    ref = await _confirm(estate, smith, summary)
    await classify(
        estate,
        estate.staff(DESK),
        await desk_line(estate, ref),
        "管理工作投訴",
        "較大",
        team="清潔組",
    )
    card = await estate.card(Role.CLEANING_SUPERVISOR, ref)
    assert "清潔組" in card.text
    assert (await estate.case(ref)).rung is Role.CLEANING_SUPERVISOR


# --- 2. the one-stop desk -------------------------------------------------------------------


async def test_the_desks_line_for_a_new_case_carries_classify_merge_and_message(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "鄰居噪音", urgency="🕒")
    line = await desk_line(estate, ref)
    labels = " ".join(line.button_labels)
    assert "重新分類" in labels
    assert "合併" in labels
    assert "聯絡住戶" in labels

    desk = estate.staff(DESK)
    await classify(estate, desk, line, "清潔", "一般")
    case = await estate.case(ref)
    assert (case.category, case.rung) == (Category.CLEANING, Role.CLEANING_LEAD)
    assert "已重新分類" in desk.private.bot_messages()[-1].text
    assert not estate.groups[DESK].bot_messages()[-1].text.startswith("🔀 R")
    only_in_own_group(estate, desk, DESK)


async def test_a_repair_lead_cannot_open_a_reclassify_menu(estate: Estate) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "水喉漏水", urgency="🕒")
    lead = estate.staff(Role.REPAIR_LEAD)
    card = await estate.card(Role.REPAIR_LEAD, ref)
    case = await estate.case(ref)
    private_before = len(lead.private.bot_messages())
    group_before = len(estate.groups[Role.REPAIR_LEAD].bot_messages())

    query = lead.press_data(card, f"c:reclass:{case.id}")
    answer = await lead.answer_to(query)
    await estate.settle()

    assert answer.show_alert
    assert answer.text == "⛔ 你沒有權限進行此操作。"
    assert len(lead.private.bot_messages()) == private_before
    assert len(estate.groups[Role.REPAIR_LEAD].bot_messages()) == group_before


async def test_a_lead_is_not_asked_for_an_escalation_reason_he_may_not_give(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🧹 清潔問題", "垃圾房臭", where="🏠")
    lead = estate.staff(Role.REPAIR_LEAD)
    case = await estate.case(ref)
    card = await estate.card(Role.CLEANING_LEAD, ref)
    for step in ("escalate", "msg", "return", "resolve"):
        answer = await lead.answer_to(lead.press_data(card, f"c:{step}:{case.id}"))
        await estate.settle()
        assert answer.show_alert, step
    assert not any("請回覆" in m.text for m in estate.groups[Role.CLEANING_LEAD].bot_messages())


async def test_a_desk_menu_left_for_sixteen_minutes_has_expired(estate: Estate) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "門鐘壞", urgency="🕒")
    desk = estate.staff(DESK)
    await estate.press(desk, await desk_line(estate, ref), "🔀")
    menu = desk.private.bot_messages()[-1]
    await estate.advance(timedelta(minutes=16))

    answer = await estate.press(desk, menu, "清潔")

    assert answer == "⌛ 這個問題已經過期，請再按一次按鈕。"
    assert (await estate.case(ref)).category is Category.REPAIR


async def test_the_desk_dismisses_a_site_report_from_its_own_group(estate: Estate) -> None:
    gus = await _report(estate, "B座", "大堂門已關好")
    ref = _ref(last_text(gus))
    line = await estate.card(DESK, ref)
    await estate.press(estate.staff(DESK), line, "無需跟進")
    assert (await estate.case(ref)).status is Status.CLOSED


# --- 3. cards ---------------------------------------------------------------------------------


async def test_an_escalated_case_keeps_a_card_the_lead_can_still_act_on(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "冇熱水", urgency="🕒")
    lead = estate.staff(Role.REPAIR_LEAD)
    group = estate.groups[Role.REPAIR_LEAD]
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "上報")
    lead.send("要換熱水爐", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()

    old = next(m for m in group.bot_messages() if ref in m.text and "📍" in m.text)
    assert "已上報至維修主管" in old.text
    assert await estate.card(Role.REPAIR_SUPERVISOR, ref)
    answer = await estate.press(lead, old, "接手")
    assert answer is not None
    assert "⛔" not in answer


async def test_a_case_reclassified_to_another_team_leaves_a_card_saying_where_it_went(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "走廊好污糟", urgency="🕒")
    await estate.card(Role.REPAIR_LEAD, ref)
    await classify(estate, estate.staff(DESK), await desk_line(estate, ref), "清潔", "一般")

    group = estate.groups[Role.REPAIR_LEAD]
    old = next(m for m in group.bot_messages() if ref in m.text and "📍" in m.text)
    assert not old.buttons
    assert "已轉交清潔組長" in old.text
    assert await estate.card(Role.CLEANING_LEAD, ref)


async def test_a_reclassify_within_the_same_rung_leaves_one_live_card(estate: Estate) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "天花滲水", urgency="🕒")
    desk = estate.staff(DESK)
    await classify(estate, desk, await desk_line(estate, ref), "報修", "較大", urgency="🚨")
    assert (await estate.case(ref)).rung is Role.REPAIR_SUPERVISOR
    # The desk's line is sorted now (no buttons): the supervisor corrects it from the card.
    supervisor = estate.staff(Role.REPAIR_SUPERVISOR)
    card = await estate.card(Role.REPAIR_SUPERVISOR, ref)
    await classify(estate, supervisor, card, "維修投訴", "一般", button="重新分類")
    case = await estate.case(ref)
    assert (case.category, case.rung) == (Category.REPAIR_COMPLAINT, Role.REPAIR_SUPERVISOR)

    group = estate.groups[Role.REPAIR_SUPERVISOR]
    live = [m for m in group.bot_messages() if ref in m.text and "📍" in m.text and m.buttons]
    assert len(live) == 1
    old_lead = [
        m
        for m in estate.groups[Role.REPAIR_LEAD].bot_messages()
        if ref in m.text and "📍" in m.text
    ]
    assert old_lead
    assert all(not m.buttons and "已轉交" in m.text for m in old_lead)


async def test_photos_reach_the_group_as_an_album_under_the_card_captioned_with_the_reference(
    estate: Estate,
) -> None:
    ref = await file_case(
        estate, estate.resident("chan"), "🔧 報修", "窗框裂", urgency="🕒", photos=2
    )
    card = await estate.card(Role.REPAIR_LEAD, ref)
    group = estate.groups[Role.REPAIR_LEAD]
    album = [m for m in group.bot_messages() if m.photos]
    assert len(album) == 2
    assert all(m.message_id > card.message_id for m in album), "the card comes first"
    assert all(
        (m.raw.get("reply_to_message") or {}).get("message_id") == card.message_id for m in album
    )
    assert ref in (album[0].raw.get("caption") or "")


async def test_a_fourth_voice_note_gets_a_clear_reply_and_is_not_kept(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🔧 Report a repair")
    await estate.settle()
    await tap(estate, smith, "🏠", after=mark)
    await tap(estate, smith, "🕒", after=mark)
    for _ in range(4):
        smith.send_voice()
    await estate.settle()
    assert "At most 3 voice notes." in [m.text for m in smith.private.bot_messages()]
    await tap(estate, smith, "✅", after=mark)
    summary = await smith.wait_for_button("✏️", after=mark)
    assert "3 voice notes" in summary.text


# --- 5. site reports ----------------------------------------------------------------------


async def _report(estate: Estate, where: str | None, text: str, pin: bool = False) -> FakeUser:
    gus = estate.staff(Role.GUARD)
    gus.send("/start")
    await estate.settle()
    mark = gus.last_message_id()
    gus.send("📡 報告現場情況")
    await estate.settle()
    if where is not None:
        await tap(estate, gus, where, after=mark)
    if pin:
        gus.send_location(22.28, 114.16)
        await estate.settle()
    gus.send(text)
    await estate.settle()
    await tap(estate, gus, "完成", after=mark)
    return gus


async def test_a_location_sent_for_which_block_shows_a_map_pin_not_an_empty_block(
    estate: Estate,
) -> None:
    gus = await _report(estate, None, "後樓梯有積水", pin=True)
    ref = _ref(last_text(gus))
    card = await estate.card(DESK, ref)
    assert "座，" not in card.text
    assert "座公共" not in card.text
    assert "地圖位置" in card.text
    assert "maps.google.com/?q=22.280000,114.160000" in card.text

    await classify(estate, estate.staff(DESK), card, "報修", "一般", urgency="🚨")
    case = await estate.case(ref)
    assert case.urgency is Urgency.URGENT
    lead_card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "maps.google.com" in lead_card.text


def pin_under(estate: Estate, role: Role, card: Shown) -> dict[str, float]:
    """The map pin the bot sent in reply to this card in the role's group."""
    pins = [
        m.raw["location"]
        for m in estate.groups[role].bot_messages()
        if "location" in m.raw
        and m.raw.get("reply_to_message", {}).get("message_id") == card.message_id
    ]
    assert len(pins) == 1, pins
    return dict(pins[0])


async def test_a_guards_location_reaches_the_desk_and_the_team_as_a_map_pin(
    estate: Estate,
) -> None:
    gus = await _report(estate, "A座", "天台水缸漏水", pin=True)
    ref = _ref(last_text(gus))
    card = await estate.card(DESK, ref)
    assert pin_under(estate, DESK, card) == {"latitude": 22.28, "longitude": 114.16}

    await classify(estate, estate.staff(DESK), card, "報修", "一般", urgency="🚨")
    lead_card = await estate.card(Role.REPAIR_LEAD, ref)
    assert pin_under(estate, Role.REPAIR_LEAD, lead_card) == {
        "latitude": 22.28,
        "longitude": 114.16,
    }


async def test_a_site_report_without_a_location_sends_no_pin(estate: Estate) -> None:
    gus = await _report(estate, "A座", "大堂燈壞")
    ref = _ref(last_text(gus))
    await estate.card(DESK, ref)
    assert not [m for m in estate.groups[DESK].bot_messages() if "location" in m.raw]


async def test_the_desk_is_asked_urgency_when_it_classifies_a_site_report_as_a_repair(
    estate: Estate,
) -> None:
    gus = await _report(estate, "A座", "三樓喉管爆", pin=True)
    ref = _ref(last_text(gus))
    desk = estate.staff(DESK)
    await classify(estate, desk, await estate.card(DESK, ref), "報修", "一般")
    assert "是否緊急" in desk.private.bot_messages()[-1].text
    assert (await estate.case(ref)).category is Category.SITE_CONDITION
    await estate.press(desk, desk.private.bot_messages()[-1], "🕒")
    case = await estate.case(ref)
    assert (case.category, case.urgency) == (Category.REPAIR, Urgency.NORMAL)


# --- a whole day ----------------------------------------------------------------------------


async def test_a_whole_day_with_the_front_desk_sitting_only_in_its_own_group(
    estate: Estate,
) -> None:
    desk = estate.staff(DESK)
    chan, smith, wang = estate.resident("chan"), estate.resident("smith"), estate.resident("wang")

    leak = await file_case(estate, chan, "🔧 報修", "廚房漏水", urgency="🚨", photos=1)
    same = await file_case(estate, wang, "🔧 报修", "楼上漏水到我家", urgency="🚨")
    noisy = await file_case(estate, smith, "🔧 Report a repair", "Noisy neighbours", urgency="🕒")
    summary = await to_summary(
        estate, smith, "🏢 Complaint about management", "Rude guard", kind="security team"
    )
    rude = await _confirm(estate, smith, summary)
    await estate.advance(timedelta(minutes=10))
    gus = await _report(estate, "B座", "大堂燈壞")
    lamp = _ref(last_text(gus))

    # The duplicate is merged from the desk's own line.
    await estate.press(desk, await desk_line(estate, same), "合併")
    group = estate.groups[DESK]
    desk.send(leak, chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    assert (await estate.case(same)).status is Status.MERGED

    # The noise is not a repair: the desk writes to the resident, then dismisses
    # nothing but reclassifies it as a management matter about the office itself.
    await estate.press(desk, await desk_line(estate, noisy), "聯絡住戶")
    desk.send("我們會派人了解", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    assert "我們會派人了解" in last_text(smith)
    await classify(
        estate, desk, await desk_line(estate, noisy), "管理工作投訴", "一般", team="管理處本身"
    )
    assert (await estate.case(noisy)).rung is Role.CS_SUPERVISOR

    # The complaint about the guards is major: the security supervisor and cs.
    await classify(
        estate, desk, await desk_line(estate, rude), "管理工作投訴", "較大", team="保安組"
    )
    rude_case = await estate.case(rude)
    assert rude_case.rung is Role.SECURITY_SUPERVISOR
    assert Role.CS_SUPERVISOR in rude_case.informed

    # The guard's report becomes a repair, urgent.
    await classify(estate, desk, await estate.card(DESK, lamp), "報修", "一般", urgency="🚨")
    assert (await estate.case(lamp)).urgency is Urgency.URGENT

    # The leak is fixed by the lead; the day ends with nothing waiting at the desk.
    lead = estate.staff(Role.REPAIR_LEAD)
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, leak), "接手")
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, leak), "已處理")
    lead_group = estate.groups[Role.REPAIR_LEAD]
    lead.send("換咗喉管", chat=lead_group, reply_to=lead_group.bot_messages()[-1])
    await estate.settle()
    assert (await estate.case(leak)).status is Status.RESOLVED
    only_in_own_group(estate, desk, DESK)


def _ref(text: str) -> str:
    from tests.e2e.steps import REF

    found = REF.search(text)
    assert found, text
    return found.group(0)


async def _confirm(estate: Estate, user: FakeUser, summary: Shown) -> str:
    await estate.press(user, summary, "✅")
    filed = await user.wait_for_reply(summary)
    return _ref(filed.text)
