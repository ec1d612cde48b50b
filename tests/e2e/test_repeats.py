"""Repeat complaints by the seed's rule (同一服務過程二次被同一住戶投訴): the same
service complained about twice by the same resident. Different problems are
different cases; a resident who says a new case is about an earlier one makes it
a repeat; a resident filing too many cases in an hour is told so, and keeps
their case."""

from __future__ import annotations

from datetime import timedelta

from bot.services import services
from tests.e2e.harness import Estate
from tests.e2e.steps import REF, file_case, link_question, to_summary
from workflow.model import Case
from workflow.roles import Role


async def test_five_different_repairs_in_seconds_stay_with_the_repair_lead_and_the_sixth_waits(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    refs = [
        await file_case(estate, smith, "🔧 Report a repair", f"Problem {n}", urgency="🕒")
        for n in range(5)
    ]

    for ref in refs:
        case = await estate.case(ref)
        assert (case.rung, case.repeat_of, case.repeat_count) == (Role.REPAIR_LEAD, None, 0)
    for role in (Role.MANAGER, Role.CS_SUPERVISOR):
        said = [m.text for m in estate.groups[role].bot_messages()]
        assert not [text for text in said if any(ref in text for ref in refs)], (role, said)

    summary = await to_summary(estate, smith, "🔧 Report a repair", "Problem 6", urgency="🕒")
    await estate.press(smith, summary, "✅")
    asked = await smith.wait_for_reply(summary)
    assert link_question(asked)
    await estate.press(smith, asked, "No, a new problem")
    refused = await smith.wait_for_reply(asked)
    assert "You have filed 5 cases in the last 60 minutes" in refused.text
    assert "Confirm" in " ".join(refused.button_labels), "kept: one press files it later"
    assert len(await _mine(estate, 102)) == 5

    await estate.advance(timedelta(hours=1))
    await estate.press(smith, refused, "✅")
    filed = await smith.wait_for_reply(refused, "is recorded")
    assert "R2026-00006" in filed.text, smith.transcript()


async def test_a_resident_who_says_it_is_the_same_problem_again_reaches_the_cs_supervisor(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    first = await file_case(estate, chan, "🧹 清潔問題", "大堂地板有污漬")
    await estate.advance(timedelta(hours=2))

    summary = await to_summary(estate, chan, "🧹 清潔問題", "大堂地板仍然有污漬")
    await estate.press(chan, summary, "✅")
    asked = await chan.wait_for_reply(summary)
    assert f"這次是否關於 {first}" in asked.text
    await estate.press(chan, asked, f"是，關於 {first}")
    filed = await chan.wait_for_reply(asked)

    second = await estate.case(next(r for r in REF.findall(filed.text) if r != first))
    assert second.repeat_of == (await estate.case(first)).id
    assert second.rung is Role.CS_SUPERVISOR
    card = await estate.card(Role.CS_SUPERVISOR, second.ref)
    assert "第二次投訴" in card.text
    said = [m.text for m in estate.groups[Role.CS_SUPERVISOR].bot_messages()]
    assert any("第二次投訴" in text for text in said), said


async def _mine(estate: Estate, user_id: int) -> list[Case]:
    async with services(estate.app).store.reading() as tx:
        return list(await tx.cases_of_reporter(user_id))
