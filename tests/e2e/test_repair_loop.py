"""The whole repair loop, through the real Application and the fake Telegram:
filed → acknowledged → on site → resolved → confirmed → rated."""

from __future__ import annotations

import re

from tests.e2e.harness import Estate
from workflow.model import Status
from workflow.roles import Role


async def file_repair(estate: Estate, name: str, menu: str, text: str) -> str:
    """Walk a resident through filing a repair in their own unit; returns the reference."""
    resident = estate.resident(name)
    mark = resident.last_message_id()
    resident.send(menu)
    where = await resident.wait_for_button("🏠", after=mark)
    await estate.press(resident, where, "🏠")
    urgency = await resident.wait_for_button("🚨", after=where.message_id)
    await estate.press(resident, urgency, "🚨")
    resident.send(text)
    added = await resident.wait_for_button("✅", after=urgency.message_id)
    await estate.press(resident, added, "✅")
    summary = await resident.wait_for_button("✏️", after=added.message_id)
    await estate.press(resident, summary, "✅")
    filed = await resident.wait_for_message("R2026-", after=summary.message_id)
    match = re.search(r"R\d{4}-\d{5}", filed.text)
    assert match, filed.text
    return match.group(0)


async def test_a_repair_goes_round_the_whole_loop(estate: Estate) -> None:
    chan = estate.resident("chan")
    lead = estate.staff(Role.REPAIR_LEAD)

    ref = await file_repair(estate, "chan", "🔧 報修", "廚房水喉漏水")

    receipt = chan.private.bot_messages()[-1].text
    assert "維修班長" in receipt and "30 分鐘" in receipt
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "廚房水喉漏水" in card.text and "A座 12A室" in card.text
    assert "+852" not in card.text, "the resident's phone never appears in a group"
    desk_group = estate.groups[Role.FRONT_DESK].bot_messages()
    assert any(ref in m.text for m in desk_group), "the front desk is informed"

    await estate.press(lead, card, "接單")
    assert "Leo Repair" in chan.private.bot_messages()[-1].text
    assert "+85291234567" in lead.private.bot_messages()[-1].text
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert "Leo Repair" in card.text and "👷" in card.text

    await estate.press(lead, card, "已到場")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(lead, card, "已處理")
    prompt = estate.groups[Role.REPAIR_LEAD].bot_messages()[-1]
    lead.send("已更換水喉接駁位", chat=estate.groups[Role.REPAIR_LEAD], reply_to=prompt)
    await estate.settle()

    resolved = chan.private.bot_messages()[-1]
    assert "已更換水喉接駁位" in resolved.text
    await estate.press(chan, resolved, "已修好")
    rating = chan.private.bot_messages()[-1]
    await estate.press(chan, rating, "★★★★★")
    chan.send("師傅好細心")
    await estate.settle()

    case = await estate.case(ref)
    assert (case.status, case.rating, case.feedback_comment) == (Status.CLOSED, 5, "師傅好細心")
    final_card = estate.groups[Role.REPAIR_LEAD].messages[card.message_id]
    assert "🏁" in final_card["text"] and "reply_markup" not in final_card
