"""Residents on their phones: registration, filing, following a case, feedback,
in three languages, and what happens when they do something unexpected."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from playground.fake_telegram import FakeUser
from playground.fake_telegram.api import Params
from tests.e2e.harness import Estate, running_estate
from tests.e2e.steps import file_case, last_text, tap, to_summary
from workflow.model import Category, Status
from workflow.roles import Role


async def test_a_new_resident_registers_and_the_front_desk_approves(estate: Estate) -> None:
    lee = estate.world.user(200, "Lee", language_code="zh-HK")
    lee.send("/start")
    await estate.settle()
    assert "歡迎" in lee.private.bot_messages()[0].text

    await tap(estate, lee, "B座")
    await tap(estate, lee, "2A")
    lee.send("李小明")
    await estate.settle()
    assert lee.private.keyboard is not None or "分享" in last_text(lee)
    lee.send_contact("+85261234567")
    await estate.settle()
    assert "客戶服務台" in last_text(lee)

    desk_group = estate.groups[Role.FRONT_DESK]
    card = await estate.world.wait_for(
        lambda: next((m for m in desk_group.bot_messages() if "李小明" in m.text), None)
    )
    assert "B座 2A室" in card.text
    assert "+852 ****4567" in card.text  # the whole group reads the card: the phone masked
    assert "+85261234567" not in card.text
    await estate.press(estate.staff(Role.FRONT_DESK), card, "批准")

    assert "已獲批准" in last_text(lee)
    assert "已批准" in desk_group.messages[card.message_id]["text"]
    ref = await file_case(estate, lee, "🔧 報修", "浴室燈壞了", urgency="🕒")
    assert ref.startswith("R2026-")


async def test_registration_checks_the_unit_and_wants_the_residents_own_phone(
    estate: Estate,
) -> None:
    kim = estate.world.user(201, "Kim", language_code="en")
    kim.send("/start")
    await tap(estate, kim, "Block A")
    assert "for example" in last_text(kim)  # 80 units: typed, not buttons

    kim.send("99Z")
    await estate.settle()
    assert "has no flat" in last_text(kim)
    kim.send("12a")
    await estate.settle()
    kim.send("Kim Park")
    await estate.settle()
    kim.send("+852 9999 0000")  # typed instead of shared
    await estate.settle()
    assert "button" in last_text(kim)
    kim.send_contact("+85299990000", own=False)  # somebody else's card
    await estate.settle()
    assert "button" in last_text(kim)
    kim.send_contact("+85299990000")
    await estate.settle()

    assert "front desk" in last_text(kim)
    async with estate.app.bot_data["estate_desk"].store.transaction() as tx:
        person = await tx.person(201)
    assert person is not None
    assert (person.unit, person.phone, person.resident_status) == ("12A", "+85299990000", "pending")


async def test_an_unapproved_resident_cannot_file_yet(estate: Estate) -> None:
    stranger = estate.world.user(202, "Stranger", language_code="en")
    stranger.send("🔧 Report a repair")
    await estate.settle()
    assert "register first" in last_text(stranger)


async def test_filing_in_english_and_simplified_chinese(estate: Estate) -> None:
    smith = estate.resident("smith")
    wang = estate.resident("wang")

    cleaning = await file_case(estate, smith, "🧹 Cleaning problem", "Rubbish by my door")
    assert "The cleaning team lead has been told" in last_text(smith)

    help_ref = await file_case(
        estate, wang, "🤝 请保安协助", "今天下午3点,大堂,两箱书", where=None, kind="协助搬运"
    )
    assert "保安队长" in last_text(wang)  # no guard is on duty: the captain arranges it

    assert cleaning.startswith("C2026-")
    assert help_ref.startswith("A2026-")
    case = await estate.case(help_ref)
    assert case.category is Category.ASSISTANCE
    assert "协助搬运" in case.description


async def test_the_summary_becomes_the_confirmation_even_when_the_courier_is_quicker(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Confirm files the case and wakes the courier for the staff's cards. The
    courier's round must leave the resident's confirmation to the press: the
    summary they pressed turns into it (one edit), rather than staying behind,
    its buttons removed by a second call, with the confirmation below it."""
    chan = estate.resident("chan")
    summary = await to_summary(estate, chan, "🧹 清潔問題", "走廊有垃圾")
    api = estate.server.bots[estate.world.token][1]
    call = api.call

    async def slow_answers(method: str, params: Params) -> object:
        if method == "answerCallbackQuery":
            await asyncio.sleep(0.3)  # a slow answer: the courier's round runs meanwhile
        return await call(method, params)

    monkeypatch.setattr(api, "call", slow_answers)
    since = len(estate.world.calls)
    await estate.press(chan, summary, "✅")
    shown = chan.private.messages[summary.message_id]["text"]
    assert "已登記你的個案" in shown, chan.transcript()
    assert len(chan.private.bot_messages_after(summary.message_id)) == 0, chan.transcript()
    assert "editMessageReplyMarkup" not in estate.world.calls[since:]


async def test_a_common_area_case_records_the_block_and_spot(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🛡 Complaint about security")
    await tap(estate, smith, "🏢", after=mark)
    await tap(estate, smith, "Block B", after=mark)
    smith.send("G/F lobby")
    await estate.settle()
    smith.send("The night guard was asleep")
    await estate.settle()
    done = await tap(estate, smith, "✅ Done", after=mark)
    summary = await smith.wait_for_button("✏️", after=done.message_id - 1)
    assert "Block B, common area: G/F lobby" in summary.text
    await estate.press(smith, summary, "Confirm")

    card = await estate.card(Role.SECURITY_CAPTAIN, "S2026-00001")
    assert "G/F lobby" in card.text
    guards_saw = [m.text for m in estate.groups[Role.GUARD].bot_messages()]
    assert not any("S2026" in text for text in guards_saw), "guards never see it"


async def test_photos_are_capped_and_reach_the_handler(estate: Estate) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "天花滲水", urgency="🚨", photos=6)

    assert any("最多 5 張相片" in m.text for m in chan.private.bot_messages())
    case = await estate.case(ref)
    assert len(case.attachments) == 5
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "5 個附件" in card.text


async def test_my_cases_cancel_add_information_and_complain_again(estate: Estate) -> None:
    chan = estate.resident("chan")
    first = await file_case(estate, chan, "🧹 清潔問題", "走廊有垃圾")
    second = await file_case(estate, chan, "🔧 報修", "門鉸鬆脫", urgency="🕒")

    mark = chan.last_message_id()
    chan.send("📋 我的個案")
    await tap(estate, chan, first, after=mark)
    await tap(estate, chan, "取消個案", after=mark)
    assert (await estate.case(first)).status is Status.CANCELLED

    mark = chan.last_message_id()
    chan.send("📋 我的個案")
    await tap(estate, chan, second, after=mark)
    await tap(estate, chan, "補充資料", after=mark)
    chan.send("晚上八點後在家")
    await estate.settle()
    assert any("晚上八點後在家" in m.text for m in estate.groups[Role.REPAIR_LEAD].bot_messages())

    mark = chan.last_message_id()
    chan.send("📋 我的個案")
    await tap(estate, chan, second, after=mark)
    await tap(estate, chan, "再次投訴", after=mark)
    chan.send("兩日都無人來")
    await estate.settle()

    case = await estate.case(second)
    assert case.rung is Role.CS_SUPERVISOR
    assert case.repeat_count == 1
    assert await estate.card(Role.CS_SUPERVISOR, second)


async def take_and_resolve(estate: Estate, lead: FakeUser, ref: str, note: str) -> None:
    """The repair lead takes the case from its card, then resolves it with `note`."""
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "接手")
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "已處理")
    prompt = estate.groups[Role.REPAIR_LEAD].bot_messages()[-1]
    lead.send(note, chat=estate.groups[Role.REPAIR_LEAD], reply_to=prompt)
    await estate.settle()


async def test_a_closed_case_offers_only_complaining_again_in_my_cases(estate: Estate) -> None:
    smith = estate.resident("smith")
    lead = estate.staff(Role.REPAIR_LEAD)
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap drips", urgency="🕒")
    await take_and_resolve(estate, lead, ref, "New washer")
    await estate.press(smith, smith.private.bot_messages()[-1], "Yes")
    await tap(estate, smith, "★★★★★")
    assert (await estate.case(ref)).status is Status.CLOSED

    mark = smith.last_message_id()
    smith.send("📋 My cases")
    listing = await tap(estate, smith, ref, after=mark)
    details = await smith.wait_for_message(contains="Tap drips", after=listing.message_id)
    labels = [b.text for row in details.buttons for b in row]
    assert labels == ["🔁 Complain again"], "the desk refuses more information on a closed case"


async def test_not_fixed_reopens_and_an_old_button_gets_a_polite_answer(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    lead = estate.staff(Role.REPAIR_LEAD)
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap drips", urgency="🕒")
    await take_and_resolve(estate, lead, ref, "New washer")

    asked = smith.private.bot_messages()[-1]
    assert "Is it fixed?" in asked.text
    await estate.press(smith, asked, "Not fixed")
    case = await estate.case(ref)
    assert (case.status, case.rework_count, case.rung) == (Status.REOPENED, 1, Role.CS_SUPERVISOR)
    assert "re-work" in "\n".join(m.text for m in smith.private.bot_messages()[-3:])

    stale = await smith.answer_to(smith.press_data(asked, asked.button("Yes").callback_data or ""))
    assert stale.show_alert
    assert "already answered" in (stale.text or "")
    assert (await estate.case(ref)).status is Status.REOPENED


async def test_unexpected_input_gets_a_clear_answer(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🔧 Report a repair")
    where = await smith.wait_for_button("🏠", after=mark)
    smith.send("my kitchen")  # typed while buttons are expected
    await estate.settle()
    assert "buttons" in last_text(smith)

    for forged in ("c:ack:999999", "f:rate:1:9", "zz:top", "m:det:not-a-number"):
        answer = await smith.answer_to(smith.press_data(where, forged))
        assert answer.show_alert, forged
        assert "no longer active" in (answer.text or ""), forged

    smith.send("/cancel")
    await estate.settle()
    assert "Stopped" in last_text(smith), smith.transcript()
    assert await estate.world.wait_for(lambda: True)


async def test_language_can_be_changed_and_old_menu_labels_still_work(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        chan = estate.resident("chan")
        chan.send("/language")
        await tap(estate, chan, "English")
        assert "English" in last_text(chan)

        ref = await file_case(estate, chan, "🔧 報修", "Leaking pipe", urgency="🕒")

        assert "will acknowledge it within 30 minutes" in last_text(chan)
        assert ref.startswith("R")


async def test_a_rejected_registration_is_told_why_and_a_comment_can_be_skipped(
    estate: Estate,
) -> None:
    pat = estate.world.user(203, "Pat", language_code="en")
    pat.send("/start")
    await tap(estate, pat, "Block B")
    await tap(estate, pat, "3A")
    pat.send("Pat Lee")
    await estate.settle()
    pat.send_contact("+85260000000")
    await estate.settle()
    desk_group = estate.groups[Role.FRONT_DESK]
    card = await estate.world.wait_for(
        lambda: next((m for m in desk_group.bot_messages() if "Pat Lee" in m.text), None)
    )
    await estate.press(estate.staff(Role.FRONT_DESK), card, "單位不符")
    assert "not approved" in last_text(pat)
    assert "Flat not found" in last_text(pat)
    assert "未批准" in desk_group.messages[card.message_id]["text"]

    smith = estate.resident("smith")
    lead = estate.staff(Role.REPAIR_LEAD)
    ref = await file_case(estate, smith, "🔧 Report a repair", "Loose tile", urgency="🕒")
    group = estate.groups[Role.REPAIR_LEAD]
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "接手")
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "已處理")
    lead.send("Re-laid", chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    await tap(estate, smith, "Yes")
    await tap(estate, smith, "★★★★★")
    await tap(estate, smith, "Skip")
    assert "Thank you" in last_text(smith)
    case = await estate.case(ref)
    assert (case.rating, case.feedback_comment) == (5, None)


async def test_the_summary_marks_only_an_urgent_repair_with_the_alarm(estate: Estate) -> None:
    chan = estate.resident("chan")
    calm = await to_summary(estate, chan, "🔧 報修", "浴室燈壞咗", urgency="🕒")
    assert "🕒 不緊急" in calm.text
    assert "🚨" not in calm.text
    await estate.press(chan, calm, "🗑")
    await estate.settle()
    smith = estate.resident("smith")
    alarm = await to_summary(estate, smith, "🔧 Report a repair", "Pipe burst", urgency="🚨")
    assert "🚨 Urgent" in alarm.text
