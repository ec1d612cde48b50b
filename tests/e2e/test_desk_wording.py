"""How the desk's and the teams' messages read (issue 14, the last wording points):
a lateness under a minute is said plainly, the desk's line for "not fixed" is one
sentence, a repeat complaint's card says which complaint it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playground.fake_telegram import FakeUser
from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import file_case, last_text, tap
from tests.e2e.test_residents import take_and_resolve
from workflow.roles import Role


async def test_a_case_escalated_on_the_minute_does_not_read_zero_minutes_late(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "大廈門鎖壞", urgency="🕒")
    await estate.advance(timedelta(minutes=30))  # the sweep finds it due to the second

    await estate.card(Role.REPAIR_SUPERVISOR, ref)
    group = estate.groups[Role.REPAIR_SUPERVISOR].bot_messages()
    why = next(m.text for m in group if "已上報給你" in m.text)
    assert "維修組長未能按時接手" in why
    assert "0 分鐘" not in why
    assert "逾時" not in why


async def test_the_desks_line_for_not_fixed_is_one_sentence(estate: Estate) -> None:
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap drips", urgency="🕒")
    await take_and_resolve(estate, estate.staff(Role.REPAIR_LEAD), ref, "New washer")
    desk = estate.groups[Role.FRONT_DESK]
    before = len(desk.bot_messages())

    await estate.press(smith, smith.private.bot_messages()[-1], "Not fixed")

    lines = [m.text for m in desk.bot_messages()[before:] if ref in m.text]
    assert lines == [f"• {ref}：Smith 表示仍未修好，個案已重開，列作再次投訴，交客戶服務主任跟進。"]


async def test_an_english_desk_reads_a_complaint_again_as_one_sentence(estate: Estate) -> None:
    desk = estate.groups[Role.FRONT_DESK]
    estate.world.users[ADMIN_ID].send("/bind front_desk en", chat=desk)
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap drips", urgency="🕒")
    before = len(desk.bot_messages())

    mark = smith.last_message_id()
    smith.send("📋 My cases")
    await tap(estate, smith, ref, after=mark)
    await tap(estate, smith, "Complain again", after=mark)
    smith.send("Nobody came")
    await estate.settle()

    lines = [m.text for m in desk.bot_messages()[before:] if ref in m.text]
    assert lines == [
        f"• {ref}: Smith complains again; the case goes to the customer-service supervisor"
        " as a repeat complaint."
    ]


async def complain_again(
    estate: Estate, resident: FakeUser, ref: str, label: str, text: str
) -> None:
    mark = resident.last_message_id()
    resident.send("📋 My cases" if label == "Complain again" else "📋 我的個案")
    await tap(estate, resident, ref, after=mark)
    await tap(estate, resident, label, after=mark)
    resident.send(text)
    await estate.settle()


async def test_a_repeat_complaints_card_says_it_is_the_second_then_the_third(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "水喉漏水", urgency="🕒")
    await complain_again(estate, chan, ref, "再次投訴", "無人嚟")

    card = await estate.card(Role.CS_SUPERVISOR, ref)
    assert card.text.split("\n")[1] == "🔁 第二次投訴"
    told = next(
        m.text for m in estate.groups[Role.CS_SUPERVISOR].bot_messages() if "無人嚟" in m.text
    )
    assert f"🔁 {ref} 第二次投訴" in told

    await complain_again(estate, chan, ref, "再次投訴", "仲係無人嚟")
    card = await estate.card(Role.MANAGER, ref)
    assert card.text.split("\n")[1] == "🔁 第三次投訴"


async def test_an_english_repeat_card_reads_second_complaint(estate: Estate) -> None:
    group = estate.groups[Role.CS_SUPERVISOR]
    estate.world.users[ADMIN_ID].send("/bind cs_supervisor en", chat=group)
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap drips", urgency="🕒")
    await complain_again(estate, smith, ref, "Complain again", "Nobody came")

    card = await estate.card(Role.CS_SUPERVISOR, ref)
    assert card.text.split("\n")[1] == "🔁 Second complaint"
    told = next(m.text for m in group.bot_messages() if "Nobody came" in m.text)
    assert f"🔁 {ref}: second complaint" in told


async def test_a_chinese_promise_puts_no_space_between_words_and_times(estate: Estate) -> None:
    estate.clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))  # Monday 23:00 in Hong Kong
    chan, wang = estate.resident("chan"), estate.resident("wang")
    await file_case(estate, chan, "🧹 清潔問題", "樓梯有垃圾")
    await file_case(estate, wang, "🧹 保洁问题", "楼梯有垃圾")

    assert "清潔組長於明天07:00開始工作，將於明天07:30前接手。" in last_text(chan)
    assert "于明天07:00开始上班，将于明天07:30前接单。" in last_text(wang)

    chan.send("📋 我的個案")
    await estate.settle()
    assert "⏱ 清潔組長於明天07:00開始工作，將於明天07:30前接手。" in last_text(chan)


async def test_the_desks_feed_says_to_whom_a_case_went_and_what_the_resident_said(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", "浴室燈壞", urgency="🕒")
    desk = estate.groups[Role.FRONT_DESK]
    await estate.advance(timedelta(minutes=30))
    await estate.press(
        estate.staff(Role.REPAIR_SUPERVISOR), await estate.card(Role.REPAIR_SUPERVISOR, ref), "接手"
    )
    await estate.press(
        estate.staff(Role.REPAIR_SUPERVISOR),
        await estate.card(Role.REPAIR_SUPERVISOR, ref),
        "已處理",
    )
    group = estate.groups[Role.REPAIR_SUPERVISOR]
    estate.staff(Role.REPAIR_SUPERVISOR).send(
        "換咗燈膽", chat=group, reply_to=group.bot_messages()[-1]
    )
    await estate.settle()
    await tap(estate, chan, "已修好")
    await tap(estate, chan, "★★★★")

    feed = [m.text for m in desk.bot_messages() if m.text.startswith(f"• {ref}")]
    assert f"• {ref}：已上報維修主管（系統）" in feed, feed
    assert f"• {ref}：住戶確認已修好（Chan）" in feed, feed
    assert f"• {ref}：評分 ★★★★及已完成（Chan）" in feed, feed
