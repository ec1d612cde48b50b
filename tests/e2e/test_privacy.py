"""What a resident sees of a case that is not theirs: a follower (their
duplicate was merged into another resident's case) hears its notices and
nothing more; phone numbers never reach a group."""

from __future__ import annotations

from playground.fake_telegram import FakeUser
from tests.e2e.harness import Estate
from tests.e2e.steps import file_case
from workflow.model import Status
from workflow.roles import Role


async def _merged(estate: Estate) -> tuple[str, str]:
    """Chan's lift repair, and Smith's duplicate the front desk merged into it."""
    chan, smith = estate.resident("chan"), estate.resident("smith")
    desk = estate.staff(Role.FRONT_DESK)
    first = await file_case(estate, chan, "🔧 報修", "升降機停咗", urgency="🚨")
    second = await file_case(estate, smith, "🔧 Report a repair", "The lift is stuck", urgency="🚨")
    group = estate.groups[Role.REPAIR_LEAD]
    group.members[desk.id] = "member"
    card = await estate.card(Role.REPAIR_LEAD, second)
    await estate.press(desk, card, "合併")
    desk.send(first, chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()
    assert (await estate.case(second)).status is Status.MERGED
    return first, second


async def _forge(estate: Estate, user: FakeUser, data: str) -> str | None:
    query = user.press_data(user.private.bot_messages()[-1], data)
    answer = await user.answer_to(query)
    await estate.settle()
    return answer.text


async def test_a_follower_can_neither_read_nor_cancel_the_case_they_follow(
    estate: Estate,
) -> None:
    first, _second = await _merged(estate)
    smith = estate.resident("smith")
    case = await estate.case(first)
    assert smith.id in case.followers

    shown = len(smith.private.bot_messages())
    assert await _forge(estate, smith, f"m:det:{case.id}") == "This button is no longer active."
    assert await _forge(estate, smith, f"m:cancel:{case.id}") == "This button is no longer active."
    assert await _forge(estate, smith, f"m:add:{case.id}") == "This button is no longer active."

    assert (await estate.case(first)).status is Status.NEW
    assert "升降機停咗" not in smith.transcript()  # the reporter's own words stay theirs
    assert len(smith.private.bot_messages()) == shown


async def test_my_cases_shows_a_followed_case_without_the_reporters_buttons(
    estate: Estate,
) -> None:
    first, second = await _merged(estate)
    smith = estate.resident("smith")
    smith.send("📋 My cases")
    await estate.settle()
    listing = smith.private.bot_messages()[-1]
    assert f"{first} (you follow it)" in listing.text
    assert listing.button_labels == [second]  # only the case Smith filed opens


async def test_the_reporters_cancellation_tells_everyone_following(estate: Estate) -> None:
    first, _second = await _merged(estate)
    chan, smith = estate.resident("chan"), estate.resident("smith")
    chan.send("📋 我的個案")
    await estate.settle()
    await estate.press(chan, chan.private.bot_messages()[-1], first)
    await estate.press(chan, chan.private.bot_messages()[-1], "取消")
    assert (await estate.case(first)).status is Status.CANCELLED

    told = await smith.wait_for_message(f"{first} was cancelled by the resident who reported it")
    assert told.buttons == []
    assert "升降機停咗" not in told.text
