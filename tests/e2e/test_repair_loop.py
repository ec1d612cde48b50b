"""The whole repair loop, in each of the three languages, through the real
Application and the fake Telegram: filed → acknowledged → on site → resolved
→ confirmed → rated → commented."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Estate
from tests.e2e.steps import file_case, tap
from workflow.model import Status
from workflow.roles import Role

LOOPS = {
    "zh-Hant": ("chan", "🔧 報修", "廚房水喉漏水", ["維修組長", "30 分鐘"], "已修好", "A座 12A室"),
    "zh-Hans": ("wang", "🔧 报修", "厨房水管漏水", ["维修班长", "30 分钟"], "已修好", "A座 3B室"),
    "en": (
        "smith",
        "🔧 Report a repair",
        "Kitchen pipe leaks",
        ["repair team lead", "30 minutes"],
        "Yes",
        "B座 1A室",
    ),
}


@pytest.mark.parametrize("language", LOOPS)
async def test_a_repair_goes_round_the_whole_loop(estate: Estate, language: str) -> None:
    name, menu, text, receipt_words, fixed_label, home_on_card = LOOPS[language]
    resident = estate.resident(name)
    lead = estate.staff(Role.REPAIR_LEAD)
    group = estate.groups[Role.REPAIR_LEAD]

    ref = await file_case(estate, resident, menu, text, urgency="🕒", photos=1)

    receipt = resident.private.bot_messages()[-1].text
    assert all(word in receipt for word in receipt_words), receipt
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert text in card.text
    assert home_on_card in card.text
    assert "+85" not in card.text, "no phone number in a group"
    assert "+86" not in card.text, "no phone number in a group"
    assert any(m.photos for m in group.bot_messages()), "the resident's photo comes with it"
    assert any(ref in m.text for m in estate.groups[Role.FRONT_DESK].bot_messages())

    await estate.press(lead, card, "接手")
    assert "Leo Repair" in resident.private.bot_messages()[-1].text
    assert ref in lead.private.bot_messages()[-1].text  # the phone, privately
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "Leo Repair" in card.text
    assert "👷" in card.text

    await estate.press(lead, card, "已到場")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(lead, card, "已處理")
    prompt = group.bot_messages()[-1]
    lead.send("已更換水喉接駁位 / replaced the joint", chat=group, reply_to=prompt)
    await estate.settle()

    resolved = resident.private.bot_messages()[-1]
    assert "replaced the joint" in resolved.text
    await tap(estate, resident, fixed_label, after=resolved.message_id - 1)
    await tap(estate, resident, "★★★★★", after=resolved.message_id - 1)
    resident.send("👍 thanks")
    await estate.settle()

    case = await estate.case(ref)
    assert (case.status, case.rating, case.feedback_comment) == (Status.CLOSED, 5, "👍 thanks")
    final_card = group.messages[card.message_id]
    assert "🏁" in final_card["text"]
    assert "reply_markup" not in final_card


async def test_a_voice_note_is_accepted_as_an_attachment(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🧹 Cleaning problem")
    await tap(estate, smith, "🏠", after=mark)
    smith.send_voice()
    await estate.settle()
    done = await tap(estate, smith, "Done", after=mark)
    summary = await smith.wait_for_button("Confirm", after=done.message_id - 1)
    assert "1 voice note" in summary.text
    await estate.press(smith, summary, "Confirm")

    case = await estate.case("C2026-00001")
    assert case.attachments[0].startswith("voice:")
    group = estate.groups[Role.CLEANING_LEAD]
    assert any("voice" in m.raw for m in group.bot_messages())
