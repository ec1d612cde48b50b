"""Residents' opinion surveys (業主意見調查): the manager writes one in his
private chat, it goes to a random 30 % of the residents (the same ones for
the same seed), each answers in their own chat and language, one question at
a time in the same message, the free text as a reply; the sweep closes it,
the manager reads the results as text, a chart and an .xlsx, and publishes
the summary, chart and all, to every resident as a notice. Bad input is
answered; a resident outside the sample cannot answer."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.services import services
from playground.fake_telegram import FakeUser, Shown
from tests.e2e.harness import START, Estate, running_estate
from tests.e2e.steps import tap
from workflow.directory import Person
from workflow.roles import Role

EXTRA = 17  # with the harness's 3: 20 residents, so a 30 % sample is 6 of them
START_LABEL = {"zh-hant": "開始作答", "zh-hans": "开始作答", "en": "Start"}
NEXT_LABEL = {"zh-hant": "下一題", "zh-hans": "下一题", "en": "Next"}
QUESTIONS = [
    "* How clean is the lobby?",
    "? Best time for repairs | Morning | Evening",
    "+ Which do you use | Gym | Pool | Garden",
    "~ Anything else?",
]


async def more_residents(estate: Estate) -> list[FakeUser]:
    """17 more residents of Block A and B, in all three languages, who opened the bot."""
    languages = ("zh-hant", "zh-hans", "en")
    people = []
    async with services(estate.app).store.transaction() as tx:
        for i in range(EXTRA):
            user_id, language = 200 + i, languages[i % 3]
            await tx.save_person(
                Person(
                    user_id=user_id,
                    name=f"Resident {i}",
                    language=language,
                    building="AB"[i % 2],
                    unit=f"{i + 1}C",
                    resident_status="approved",
                ),
                START,
            )
            people.append(estate.world.user(user_id, f"Resident {i}", language_code=language))
    for person in [*people, *estate.people.values()]:
        person.send("/start")
    await estate.settle()
    return people


async def say(estate: Estate, user: FakeUser, text: str) -> Shown:
    """Send a message; returns the bot's answer to it."""
    mark = user.last_message_id()
    user.send(text)
    await estate.settle()
    return await user.wait_for_message(after=mark)


def invitation(user: FakeUser) -> list[Shown]:
    return [m for m in user.private.bot_messages() if m.text.startswith("📋") and m.buttons]


async def answer_everything(estate: Estate, user: FakeUser, language: str) -> None:
    """Start; 4 for the lobby; mornings; Gym and Garden; a written remark."""
    (invite,) = invitation(user)
    await estate.press(user, invite, START_LABEL[language])
    await estate.press(user, invite, "4")
    await estate.press(user, invite, "Morning")
    await estate.press(user, invite, "Gym")
    await estate.press(user, invite, "Garden")
    await estate.press(user, invite, NEXT_LABEL[language])
    mark = user.last_message_id()
    user.send("More light in the car park, please.")
    await estate.settle()
    thanks = await user.wait_for_message(after=mark)
    assert "🙏" in thanks.text, user.transcript()


async def test_a_survey_to_a_30_percent_sample_collects_answers_and_publishes_a_chart(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        extra = await more_residents(estate)
        everyone = [*estate.people.values(), *extra]
        manager = estate.staff(Role.MANAGER)

        assert "title" in (await say(estate, manager, "/survey")).text
        assert "one per message" in (await say(estate, manager, "Lobby and lifts")).text
        # A question without its kind's sign is not kept.
        refused = await say(estate, manager, "How clean is it?")
        assert "sign" in refused.text, manager.transcript()
        for question in QUESTIONS:
            kept = await say(estate, manager, question)
            assert "kept" in kept.text, manager.transcript()
        await tap(estate, manager, "Questions done", after=kept.message_id - 1)
        for bad, said in (
            ("0%", "reaches nobody"),
            ("120%", "more than 100 %"),
            ("Z 30%", "no such block"),
        ):
            assert said in (await say(estate, manager, bad)).text, manager.transcript()
        ask = await say(estate, manager, "30%")
        await estate.press(manager, ask, "Anonymous")
        assert "passed" in (await say(estate, manager, "2026-11-01 18:00")).text
        preview = await say(estate, manager, "2026-11-09 18:00")
        assert "6 of 20 residents" in preview.text, manager.transcript()
        assert "a random 30 %" in preview.text
        await estate.press(manager, preview, "Send")
        sent = manager.private.bot_messages()[-1]
        assert "on its way to 6 residents" in sent.text, manager.transcript()

        invited = [p for p in everyone if invitation(p)]
        assert len(invited) == 6
        assert all(len(invitation(p)) == 1 for p in invited)  # once each
        languages = {p.id: p.language_code or "en" for p in everyone}
        outsider = next(p for p in everyone if p not in invited)

        # Each answers in their own language; the first stops after one question.
        first, *rest = invited
        (invite,) = invitation(first)
        await estate.press(first, invite, START_LABEL[languages[first.id]])
        await estate.press(first, invite, "5")
        for person in rest:
            await answer_everything(estate, person, languages[person.id])
        # Answered: the last question's Skip went away, the thanks came below.
        assert all(invitation(person) == [] for person in rest)

        # A forged press from someone outside the sample answers nothing.
        forged = outsider.press_data(invite, f"v:go:{_survey_number(sent)}")
        assert (await outsider.answer_to(forged)).text is not None

        # The reminder goes once, a day before the closing, to the one not finished.
        await estate.advance(timedelta(days=6, hours=10, minutes=1))
        reminded = [p for p in everyone if any("⏰" in m.text for m in p.private.bot_messages())]
        assert reminded == [first], [p.id for p in reminded]

        # The closing: the manager is told, and reads the results.
        await estate.advance(timedelta(days=1))
        closed = await manager.wait_for_message("has closed")
        assert "5 of 6 residents answered (83%)" in closed.text, manager.transcript()
        mark = manager.last_message_id()
        await estate.press(manager, closed, "Results")
        shown = manager.private.bot_messages_after(mark)
        text = next(m for m in shown if "📊" in m.text)
        assert "Average 4.2 from 6 answers" in text.text, text.text
        assert "Gym: 5 (100%)" in text.text
        assert "More light in the car park" in text.text
        assert any(m.photos for m in shown)
        (sheet,) = [m for m in shown if m.document]
        assert sheet.document is not None
        data = estate.world.files[sheet.document].content
        book = load_workbook(io.BytesIO(data))
        answers = book.worksheets[1]
        assert answers.max_row == 7  # a heading and 6 respondents, nobody named
        assert "Name" not in [c.value for c in answers[1]]

        # Publishing: every resident gets the summary with the chart.
        await estate.press(manager, closed, "Publish")
        assert "as notice" in manager.private.bot_messages()[-1].text, manager.transcript()
        for person in everyone:
            notices = [m for m in person.private.bot_messages() if m.photos]
            assert len(notices) == 1, person.transcript()
        chan = estate.resident("chan")
        (notice,) = [m for m in chan.private.bot_messages() if m.photos]
        assert "回應：6 位中 5 位（83%）" in chan.transcript(), chan.transcript()
        chart = estate.world.files[notice.photos[-1]].content
        assert chart.startswith(b"\x89PNG"), "the chart, as the notice's photo"

        # The figures: the response rate and the satisfaction in /report.
        report = await say(estate, manager, "/report month")
        assert "answered 5/6 (83%), satisfaction 4.2" in report.text, manager.transcript()


def _survey_number(sent: Shown) -> int:
    return int(sent.text.split("#", 1)[1].split()[0])


async def test_only_the_desk_cs_supervisor_and_manager_run_surveys_and_a_named_one_names(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        for person in estate.people.values():
            person.send("/start")
        await estate.settle()
        lead, chan = estate.staff(Role.REPAIR_LEAD), estate.resident("chan")
        assert "⛔" in (await say(estate, lead, "/survey")).text
        assert "⛔" in (await say(estate, chan, "/survey")).text
        assert "⛔" in (await say(estate, lead, "/surveys")).text

        desk = estate.staff(Role.FRONT_DESK)  # in Chinese, with a Chinese keyboard's signs
        await say(estate, desk, "/survey")
        ask = await say(estate, desk, "大堂")
        # Nothing written yet: an empty survey goes no further.
        assert await estate.press(desk, ask, "問題已寫完") == "請先寫最少一條問題。"
        await say(estate, desk, "＊ 大堂清潔嗎？")
        kept = await say(estate, desk, "？最方便的維修時間｜上午｜下午")
        await estate.press(desk, kept, "問題已寫完")
        ask = await say(estate, desk, "A")
        await estate.press(desk, ask, "👤")  # with names
        preview = await say(estate, desk, "2026-11-03 18:00")
        assert "20 位" not in preview.text
        assert "2 位住戶中的 2 位" in preview.text, desk.transcript()
        assert "記名：管理處會看到" in preview.text
        await estate.press(desk, preview, "發出")
        assert invitation(estate.resident("smith")) == []  # Block B

        # Chan answers in the middle of filing a repair: the filing waits for her.
        chan.send("🔧 報修")
        await estate.settle()
        asked = await tap(estate, chan, "🏠", after=invitation(chan)[0].message_id)
        (invite,) = invitation(chan)
        await estate.press(chan, invite, "開始作答")
        await estate.press(chan, invite, "2")
        await estate.press(chan, invite, "下午")
        done = estate.world.chat(chan.id).messages[invite.message_id]
        assert "多謝" in str(done)
        # Each press turns the pressed message into the next question.
        asked = await tap(estate, chan, "不緊急", after=asked.message_id - 1)
        chan.send("廚房水龍頭漏水")
        await estate.settle()
        added = await tap(estate, chan, "✅", after=asked.message_id - 1)
        summary = await chan.wait_for_button("✏️", after=added.message_id - 1)
        assert "廚房水龍頭漏水" in summary.text, chan.transcript()
        # Pressing an answered question's button again changes nothing.
        forged = chan.press_data(invite, "v:a:1.0:5")
        await chan.answer_to(forged)
        await estate.settle()
        assert "多謝" in str(estate.world.chat(chan.id).messages[invite.message_id])

        # A repair lead's forged press on the results is refused; the desk's works.
        listing = await say(estate, desk, "/surveys")
        forged = lead.press_data(listing, "v:res:1")
        await lead.answer_to(forged)
        await estate.settle()
        assert "⛔" in lead.private.bot_messages()[-1].text
        await estate.press(desk, listing, "截止")
        mark = desk.last_message_id()
        await estate.press(desk, listing, "結果")
        shown = desk.private.bot_messages_after(mark)
        text = next(m for m in shown if "📊" in m.text)
        assert "回應：2 位中 1 位（50%）" in text.text, text.text
        (sheet,) = [m for m in shown if m.document]
        assert sheet.document is not None
        book = load_workbook(io.BytesIO(estate.world.files[sheet.document].content))
        rows = list(book.worksheets[1].values)
        assert rows[0][:2] == ("姓名", "住址")
        assert rows[1][0] == "Chan"
        assert rows[1][2:] == (2, "下午")


@pytest.mark.parametrize(("words", "everyone"), [("全部", "全體住戶"), ("所有、", "全體住戶")])
async def test_the_desk_types_every_resident_in_its_own_words(
    estate: Estate, words: str, everyone: str
) -> None:
    desk = estate.staff(Role.FRONT_DESK)
    await say(estate, desk, "/survey")
    await say(estate, desk, "大堂")
    kept = await say(estate, desk, "＊ 大堂清潔嗎？")
    await estate.press(desk, kept, "問題已寫完")
    ask = await say(estate, desk, words)
    await estate.press(desk, ask, "👤")
    preview = await say(estate, desk, "2026-11-03 18:00")
    assert f"👥 {everyone}：" in preview.text, desk.transcript()
