"""What people (and the network) send that nobody planned for: each gets a
clear answer or is ignored, and nothing crashes or is half-written."""

from __future__ import annotations

from tests.e2e.harness import Estate
from tests.e2e.steps import file_case, last_text, tap
from workflow.roles import Role


async def test_a_huge_text_is_refused_politely(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🧹 Cleaning problem")
    await tap(estate, smith, "🏠", after=mark)
    smith.send("x" * 10_000)
    await estate.settle()
    assert "at most 2000 characters" in last_text(smith)


async def test_unicode_and_markup_reach_staff_exactly_as_typed(estate: Estate) -> None:
    text = (
        "漏水 💧 <b>urgent</b> <script>alert(1)</script> &amp; \u200b\u202eRTL\u202c "
        "*bold* _it_ `code` [link](http://evil.example) ||spoiler||"
    )
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", text, urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert text in card.text, "escaped for Telegram's HTML, shown verbatim"


async def test_unknown_and_malformed_updates_are_ignored(estate: Estate) -> None:
    chan = estate.resident("chan")
    world = estate.world
    world.enqueue(
        "edited_message",
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": chan.id, "type": "private"},
            "from": chan.as_json(),
            "text": "edited",
        },
    )
    world.enqueue(
        "channel_post",
        {"message_id": 2, "date": 0, "chat": {"id": -100123, "type": "channel"}, "text": "hi"},
    )
    world.enqueue("message", {"message_id": 3})  # truncated: no chat, no date
    world.enqueue("poll", {"id": "p"})  # missing most fields
    await estate.settle()

    chan.send("/help please")  # an argument where none is expected
    await estate.settle()
    assert "使用說明" in last_text(chan), "the bot still answers after all that"


async def test_a_callback_from_another_chat_is_refused(estate: Estate) -> None:
    chan, smith = estate.resident("chan"), estate.resident("smith")
    ref = await file_case(estate, chan, "🔧 報修", "窗戶漏水", urgency="🕒")
    mark = chan.last_message_id()
    chan.send("📋 我的個案")
    listing = await chan.wait_for_button(ref, after=mark)
    data = listing.button(ref).callback_data or ""

    smith.send("/start")
    await estate.settle()
    anchor = smith.private.bot_messages()[-1]
    answer = await smith.answer_to(smith.press_data(anchor, data.replace("det", "cancel")))

    assert answer.show_alert
    assert "no longer active" in (answer.text or "")
    assert (await estate.case(ref)).status.value == "new"
