"""The resident keeps the record (issue 14, item 6): the result message stays
as it was; the rating and comment questions come as new messages; My cases
shows the result's note and photo; one thank-you, after the last step."""

from __future__ import annotations

import pytest

from tests.e2e.harness import Estate
from tests.e2e.steps import file_case, tap
from workflow.roles import Role

WORDS = {
    "en": ("smith", "🔧 Report a repair", "Yes", "Replaced the washer", "📋 My cases", "Thank"),
    "zh-Hant": ("chan", "🔧 報修", "已修好", "已更換水喉接駁位", "📋 我的個案", "多謝"),
}


@pytest.mark.parametrize("language", WORDS)
async def test_the_result_stays_and_the_resident_is_thanked_once_after_the_comment(
    estate: Estate, language: str
) -> None:
    name, menu, fixed, note, my_cases, thanks = WORDS[language]
    resident = estate.resident(name)
    lead = estate.staff(Role.REPAIR_LEAD)
    group = estate.groups[Role.REPAIR_LEAD]
    ref = await file_case(estate, resident, menu, "Tap drips", urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(lead, card, "已到場")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(lead, card, "已處理")
    prompt = group.bot_messages()[-1]
    lead.send_photo(caption=note, chat=group, reply_to=prompt)
    await estate.settle()

    resolved = await resident.wait_for_message(note)
    result_text = resolved.text
    await tap(estate, resident, fixed, after=resolved.message_id - 1)
    await tap(estate, resident, "★★★★", after=resolved.message_id)
    assert not [m for m in resident.private.bot_messages() if thanks in m.text], (
        "no thank-you while a comment is still asked for"
    )
    resident.send("OK")
    await estate.settle()

    kept = resident.private.messages[resolved.message_id]
    assert kept["text"] == result_text, "the result message stays as it was"
    assert "reply_markup" not in kept
    later = resident.private.bot_messages_after(resolved.message_id)
    assert [m for m in later if "★★★★" in m.text], "the rating (and comment) asked anew"
    thanked = [m for m in resident.private.bot_messages() if thanks in m.text]
    assert len(thanked) == 1, [m.text for m in thanked]
    assert thanked[0].message_id == resident.private.bot_messages()[-1].message_id

    mark = resident.last_message_id()
    resident.send(my_cases)
    await estate.settle()
    listing = await resident.wait_for_button(ref, after=mark)
    await estate.press(resident, listing, ref)
    details = await resident.wait_for_message(note, after=listing.message_id)
    assert note in details.text
    assert any(m.photos for m in resident.private.bot_messages_after(details.message_id - 1))
