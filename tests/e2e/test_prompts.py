"""Questions the bot waits for a typed answer to: asked only of someone who
may answer, and forgotten after 15 minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers.context import services_of
from tests.e2e.harness import Estate
from tests.e2e.steps import file_case
from workflow.model import Status
from workflow.roles import Role


async def _prompts(estate: Estate) -> dict[str, Any]:
    return await services_of(estate.app).marks.all("prompt")


async def test_a_forged_resolve_press_from_a_residents_chat_asks_nothing_and_stores_nothing(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "洗手盆塞", urgency="🕒")
    case = await estate.case(ref)
    shown = len(chan.private.bot_messages())

    for step in ("resolve", "escalate", "merge", "return", "msg", "reclass", "rccat"):
        data = f"c:{step}:{case.id}" + (":r" if step == "rccat" else "")
        query = chan.press_data(chan.private.bot_messages()[-1], data)
        answer = await chan.answer_to(query)
        await estate.settle()
        assert answer.text == "⛔ 你沒有權限進行此操作。", step
        assert answer.show_alert

    assert len(chan.private.bot_messages()) == shown  # no prompt, no category picker
    assert await _prompts(estate) == {}
    assert (await estate.case(ref)).status is Status.NEW


async def test_an_answer_to_a_prompt_after_fifteen_minutes_is_told_to_press_again(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "冷氣滴水", urgency="🕒")
    lead = estate.staff(Role.REPAIR_LEAD)
    group = estate.groups[Role.REPAIR_LEAD]
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "接手")
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, ref), "已處理")
    prompt = group.bot_messages()[-1]
    assert len(await _prompts(estate)) == 1

    await estate.advance(timedelta(minutes=16))
    lead.send("換咗喉管", chat=group, reply_to=prompt)
    await estate.settle()

    assert group.bot_messages()[-1].text == "⌛ 這個問題已經過期，請再按一次按鈕。"
    assert (await estate.case(ref)).status is Status.ACKNOWLEDGED
    assert await _prompts(estate) == {}


async def test_prompts_nobody_answered_are_cleaned_up(estate: Estate) -> None:
    first = await file_case(estate, estate.resident("chan"), "🔧 報修", "冷氣滴水", urgency="🕒")
    second = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "Doorbell", urgency="🕒"
    )
    lead = estate.staff(Role.REPAIR_LEAD)
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, first), "上報")
    old = set(await _prompts(estate))
    assert len(old) == 1

    await estate.advance(timedelta(minutes=16))
    await estate.press(lead, await estate.card(Role.REPAIR_LEAD, second), "上報")

    left = await _prompts(estate)
    assert len(left) == 1
    assert not old & set(left)


async def test_a_resident_adding_information_after_fifteen_minutes_presses_again(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Door hinge", urgency="🕒")
    smith.send("📋 My cases")
    await estate.settle()
    await estate.press(smith, smith.private.bot_messages()[-1], ref)
    await estate.press(smith, smith.private.bot_messages()[-1], "Add information")
    assert "Send the text or photo" in smith.private.bot_messages()[-1].text

    await estate.advance(timedelta(minutes=16))
    smith.send("It squeaks too")
    await estate.settle()

    assert smith.private.bot_messages()[-1].text == (
        "⌛ That question has expired. Press the button again."
    )
    case = await estate.case(ref)
    assert "It squeaks too" not in str(case)
