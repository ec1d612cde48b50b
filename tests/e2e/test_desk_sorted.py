"""A case the front desk has sorted (classified, merged, dismissed) no longer
offers the desk's buttons: its line in the desk's group is edited to say what
was done, and nothing in the group looks as if it still waited to be sorted."""

from __future__ import annotations

from playground.fake_telegram import Shown
from tests.e2e.harness import Estate
from tests.e2e.steps import classify, file_case, last_text
from tests.e2e.test_desk import DESK, _ref, _report, desk_line
from workflow.model import Category, Status
from workflow.roles import Role


def live_for(estate: Estate, ref: str) -> list[Shown]:
    """The desk group's messages about `ref` that still carry buttons."""
    return [m for m in estate.groups[DESK].bot_messages() if ref in m.text and m.buttons]


async def test_a_case_classified_from_its_line_says_so_and_loses_its_buttons(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "垃圾房好臭", urgency="🕒")
    line = await desk_line(estate, ref)
    group = estate.groups[DESK]
    before = len(group.bot_messages())

    await classify(estate, estate.staff(DESK), line, "清潔", "一般")

    assert (await estate.case(ref)).category is Category.CLEANING
    edited = group.messages[line.message_id]
    assert "🧹" in edited["text"]
    assert "Fiona Desk 已重新分類，交清潔組長處理：垃圾房好臭" in edited["text"]
    assert not edited.get("reply_markup")
    assert live_for(estate, ref) == []
    assert [m.text for m in group.bot_messages()[before:]] == [], "no second line, no feed line"


async def test_a_case_merged_from_its_line_says_into_which(estate: Estate) -> None:
    chan, wang = estate.resident("chan"), estate.resident("wang")
    first = await file_case(estate, chan, "🔧 報修", "天花漏水", urgency="🚨")
    second = await file_case(estate, wang, "🔧 报修", "楼上漏水", urgency="🚨")
    line = await desk_line(estate, second)
    desk = estate.staff(DESK)
    group = estate.groups[DESK]

    await estate.press(desk, line, "合併")
    desk.send(first, chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()

    assert (await estate.case(second)).status is Status.MERGED
    edited = group.messages[line.message_id]
    assert f"Fiona Desk 已合併至 {first}：楼上漏水" in edited["text"]
    assert not edited.get("reply_markup")
    assert live_for(estate, second) == []
    assert not any(m.text.startswith(f"• {second}") for m in group.bot_messages())


async def test_a_desk_member_who_never_opened_the_bot_sorts_in_place_and_the_line_says_so(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "大堂好污糟", urgency="🕒")
    line = await desk_line(estate, ref)
    desk = estate.staff(DESK)
    estate.world.blocked.add(desk.id)  # Telegram refuses to write to them privately
    group = estate.groups[DESK]

    await estate.press(desk, line, "重新分類")
    await estate.press(desk, now_showing(estate, line), "清潔")
    await estate.press(desk, now_showing(estate, line), "一般")

    edited = group.messages[line.message_id]
    assert "Fiona Desk 已重新分類，交清潔組長處理：大堂好污糟" in edited["text"]
    assert not edited.get("reply_markup")


def now_showing(estate: Estate, message: Shown) -> Shown:
    return next(m for m in estate.groups[DESK].bot_messages() if m.message_id == message.message_id)


async def test_a_site_report_classified_from_its_card_says_where_it_went(estate: Estate) -> None:
    gus = await _report(estate, "B座", "大堂燈壞")
    ref = _ref(last_text(gus))
    card = await estate.card(DESK, ref)
    group = estate.groups[DESK]

    await classify(estate, estate.staff(DESK), card, "報修", "一般", urgency="🚨")

    assert (await estate.case(ref)).rung is Role.REPAIR_LEAD
    edited = group.messages[card.message_id]
    assert "已轉交維修組長" in edited["text"]
    assert not edited.get("reply_markup")
    assert live_for(estate, ref) == []


async def test_a_dismissed_site_report_keeps_no_buttons(estate: Estate) -> None:
    gus = await _report(estate, "B座", "一切正常")
    ref = _ref(last_text(gus))
    card = await estate.card(DESK, ref)
    await estate.press(estate.staff(DESK), card, "無需跟進")
    assert live_for(estate, ref) == []
    assert "無需跟進" in estate.groups[DESK].messages[card.message_id]["text"]
    feed = [m.text for m in estate.groups[DESK].bot_messages() if m.text.startswith(f"• {ref}")]
    assert feed == [f"• {ref}：無需跟進及已完成（Fiona Desk）"]


async def test_a_reclassify_that_keeps_the_team_redraws_its_card_in_place(estate: Estate) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "廚房水喉漏水", urgency="🕒", photos=1)
    card = await estate.card(Role.REPAIR_LEAD, ref)

    await classify(
        estate, estate.staff(DESK), await desk_line(estate, ref), "報修", "一般", urgency="🚨"
    )

    group = estate.groups[Role.REPAIR_LEAD].bot_messages()
    cards = [m for m in group if ref in m.text.split("\n", 1)[0] and "📍" in m.text]
    assert [c.message_id for c in cards] == [card.message_id], "one card, edited in place"
    assert "緊急" in cards[0].text.split("\n", 1)[0]
    assert "不緊急" not in cards[0].text
    assert cards[0].buttons
    assert len([m for m in group if m.photos]) == 1, "the photo once"
    said = next(m for m in group if m.text.startswith("🔀 已重新分類："))
    assert said.raw["reply_to_message"]["message_id"] == card.message_id


async def test_a_site_report_merged_from_its_card_loses_its_buttons(estate: Estate) -> None:
    first = await file_case(estate, estate.resident("chan"), "🔧 報修", "大堂燈壞", urgency="🕒")
    gus = await _report(estate, "B座", "大堂燈壞咗")
    ref = _ref(last_text(gus))
    card = await estate.card(DESK, ref)
    desk = estate.staff(DESK)
    group = estate.groups[DESK]

    await estate.press(desk, card, "與現有個案重複")
    desk.send(first, chat=group, reply_to=group.bot_messages()[-1])
    await estate.settle()

    assert (await estate.case(ref)).status is Status.MERGED
    assert live_for(estate, ref) == []
