"""Notices to residents (通告): the cs supervisor writes one in her private
chat with the bot, it reaches exactly the residents it is for, once each, with
a progress line she watches; residents find it from the menu; a correction
and a withdrawal reach those who got it; bad input is answered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playground.fake_telegram import FakeUser, Shown
from tests.e2e.harness import Estate, running_estate
from tests.e2e.steps import tap
from workflow.roles import Role

TEXT = "Water will be off in Block A on Friday from 10:00 to 16:00."


def notices_of(user: FakeUser, contains: str = "Water will be off") -> list[Shown]:
    return [m for m in user.private.bot_messages() if contains in m.text]


async def residents_open_the_bot(estate: Estate) -> None:
    for name in ("chan", "wang", "smith"):
        estate.resident(name).send("/start")
    await estate.settle()


async def write(estate: Estate, author: FakeUser, text: str) -> int:
    """/notice and its text; returns the message id the flow started after."""
    mark = author.last_message_id()
    author.send("/notice")
    await estate.settle()
    author.send(text)
    await estate.settle()
    return mark


async def to_block_a_now(estate: Estate, author: FakeUser, mark: int) -> Shown:
    """From the written text on: Block A, now; returns the summary to send."""
    await tap(estate, author, "Choose who gets it", after=mark)
    await tap(estate, author, "Some blocks", after=mark)
    blocks = await author.wait_for_button("Block A", after=mark)
    await estate.press(author, blocks, "Block A")
    await estate.press(author, blocks, "Done")
    await tap(estate, author, "Send now", after=mark)
    return await author.wait_for_button("Send", after=mark)


async def press_in_the_list(estate: Estate, author: FakeUser, label: str) -> None:
    """/notices, then one of the buttons under the author's notices."""
    mark = author.last_message_id()
    author.send("/notices")
    await estate.settle()
    listed = await author.wait_for_button(label, after=mark)
    await estate.press(author, listed, label)


async def test_a_notice_to_block_a_reaches_block_a_once_each_and_the_author_sees_it_done(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        await residents_open_the_bot(estate)
        author = estate.staff(Role.CS_SUPERVISOR)
        summary = await to_block_a_now(estate, author, await write(estate, author, TEXT))
        assert "2 residents" in summary.text, author.transcript()
        await estate.press(author, summary, "Send")
        await estate.settle()

        chan, wang, smith = (estate.resident(n) for n in ("chan", "wang", "smith"))
        assert len(notices_of(chan)) == 1
        assert len(notices_of(wang)) == 1
        assert notices_of(smith) == []
        assert "管理處通告" in notices_of(chan)[0].text  # in each reader's language
        assert "物业管理处通知" in notices_of(wang)[0].text

        progress = author.private.bot_messages()[-1]
        assert "2 of 2 sent, 0 failed, 0 blocked" in progress.text, author.transcript()
        assert "Finished" in progress.text

        mark = chan.last_message_id()
        chan.send("📢 通告")
        await estate.settle()
        shown = await chan.wait_for_message("Water will be off", after=mark)
        assert "現行通告" in shown.text
        mark = smith.last_message_id()
        smith.send("📢 Notices")
        await estate.settle()
        assert "no current notices" in (await smith.wait_for_message(after=mark)).text


async def test_a_correction_and_a_withdrawal_reach_those_who_got_the_notice(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        await residents_open_the_bot(estate)
        author = estate.staff(Role.CS_SUPERVISOR)
        summary = await to_block_a_now(estate, author, await write(estate, author, TEXT))
        await estate.press(author, summary, "Send")
        await estate.settle()

        await press_in_the_list(estate, author, "Correct #1")
        author.send("Water will be off in Block A on Saturday, not Friday.")
        await estate.settle()
        assert "goes to 2 residents" in author.private.bot_messages()[-1].text

        chan, smith = estate.resident("chan"), estate.resident("smith")
        correction = notices_of(chan, "Saturday")
        assert len(correction) == 1
        assert "更正" in correction[0].text
        assert correction[0].raw.get("reply_to_message"), "the correction answers the notice"
        assert notices_of(smith, "Saturday") == []

        await press_in_the_list(estate, author, "Withdraw #1")
        assert "已撤回" in chan.private.bot_messages()[-1].text
        assert notices_of(smith, "withdrawn") == []

        mark = chan.last_message_id()
        chan.send("📢 通告")
        await estate.settle()
        assert "現時沒有給你的通告" in (await chan.wait_for_message(after=mark)).text


async def test_a_notice_set_for_later_goes_out_at_its_time_and_not_before(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        await residents_open_the_bot(estate)
        author = estate.staff(Role.CS_SUPERVISOR)
        mark = await write(estate, author, TEXT)
        await tap(estate, author, "Choose who gets it", after=mark)
        await tap(estate, author, "All residents", after=mark)
        await tap(estate, author, "At a set time", after=mark)
        author.send("08:00")  # the estate's day began at 09:00: in the past
        await estate.settle()
        assert "already passed" in author.private.bot_messages()[-1].text
        author.send("11:30")
        await estate.settle()
        summary = await author.wait_for_button("Send", after=mark)
        assert "3 residents" in summary.text
        await estate.press(author, summary, "Send")
        await estate.settle()
        assert "Goes out at" in author.private.bot_messages()[-1].text
        assert notices_of(estate.resident("smith")) == []

        await estate.advance(timedelta(hours=2, minutes=31))
        await estate.settle()
        for name in ("chan", "wang", "smith"):
            assert len(notices_of(estate.resident(name))) == 1, name


async def test_an_empty_notice_is_answered_and_not_sent(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        await residents_open_the_bot(estate)
        author = estate.staff(Role.CS_SUPERVISOR)
        author.send("/notice")
        await estate.settle()
        mark = author.last_message_id()
        author.send("   ")
        await estate.settle()
        assert "is empty" in (await author.wait_for_message(after=mark)).text


async def test_a_repair_lead_may_not_write_a_notice(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        lead = estate.staff(Role.REPAIR_LEAD)
        mark = lead.last_message_id()
        lead.send("/notice")
        await estate.settle()
        answer = await lead.wait_for_message(after=mark)
        assert "沒有權限" in answer.text, lead.transcript()
        lead.send("Free pizza for everyone")
        await estate.settle()
        for name in ("chan", "wang", "smith"):
            assert notices_of(estate.resident(name), "pizza") == []


async def test_a_notice_with_a_photo_reaches_everyone_and_counts_who_blocked_the_bot(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        chan, wang, smith = (estate.resident(n) for n in ("chan", "wang", "smith"))
        for resident in (chan, wang):
            resident.send("/start")
        await estate.settle()  # smith never opened the bot: Telegram refuses him
        author = estate.staff(Role.CS_SUPERVISOR)
        mark = author.last_message_id()
        author.send("/notice")
        await estate.settle()
        author.send_photo(caption="Fire drill on Monday at 10:00. Please take part.")
        await estate.settle()
        await tap(estate, author, "Choose who gets it", after=mark)
        await tap(estate, author, "All residents", after=mark)
        await tap(estate, author, "Send now", after=mark)
        summary = await author.wait_for_button("Send", after=mark)
        await estate.press(author, summary, "Send")
        await estate.settle()

        for resident in (chan, wang):
            shown = notices_of(resident, "Fire drill")
            assert len(shown) == 1
            assert shown[0].photos, "the photo carries the notice as its caption"
        assert notices_of(smith, "Fire drill") == []
        progress = author.private.bot_messages()[-1].text
        assert "2 of 3 sent, 0 failed, 1 blocked" in progress, author.transcript()
