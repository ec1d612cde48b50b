"""Known incidents (事故): the front desk declares an outage; residents filing
the same kind of case in an affected block are told at once what the office
knows and linked to it instead of opening a card each; staff see one card
with a live count; the update and the closing reach every linked resident."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.services import services
from playground.fake_telegram import FakeUser
from tests.e2e.harness import START, Estate, running_estate
from tests.e2e.steps import REF, file_case, to_summary
from workflow.directory import Person
from workflow.roles import Role

DECLARE = "/incident repair A 16:00 No water since 10:00"


async def cases_stored(estate: Estate) -> int:
    async with services(estate.app).store.reading() as tx:
        rows = await tx._all("SELECT count(*) FROM cases")
    return int(rows[0][0])


async def report_repair(estate: Estate, user: FakeUser, text: str) -> str:
    """File a repair up to Confirm and press it; returns the bot's answer."""
    summary = await to_summary(estate, user, user_menu(user), text, urgency=urgent(user))
    await estate.press(user, summary, "✅")
    answer = await user.wait_for_reply(summary)
    return answer.text


def user_menu(user: FakeUser) -> str:
    return "🔧 Report a repair" if user.language_code == "en" else "🔧 報修"


def urgent(user: FakeUser) -> str:
    return "Urgent" if user.language_code == "en" else "緊急"


def cards(estate: Estate) -> list[str]:
    group = estate.groups[Role.FRONT_DESK]
    return [m.text for m in group.bot_messages() if "事故 #" in m.text and "已連結投訴" in m.text]


async def test_a_filing_during_a_known_outage_is_answered_at_once_and_linked_not_filed(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        desk = estate.staff(Role.FRONT_DESK)
        desk.send(DECLARE, chat=estate.groups[Role.FRONT_DESK])
        await estate.settle()
        assert len(cards(estate)) == 1
        assert "已連結投訴：0" in cards(estate)[0]

        chan, smith = estate.resident("chan"), estate.resident("smith")
        chan.send("/start")
        smith.send("/start")
        await estate.settle()
        answer = await report_repair(estate, chan, "No water in the kitchen")
        assert "我們已知悉" in answer, chan.transcript()
        assert "No water since 10:00" in answer
        assert "16:00" in answer  # expected back by 16:00
        assert await cases_stored(estate) == 0, "linked, not filed"
        assert len(cards(estate)) == 1, "one card, edited"
        assert "已連結投訴：1" in cards(estate)[0]

        # Block B is not affected: smith's repair is a case as usual.
        ref = await file_case(
            estate, smith, "🔧 Report a repair", "Door handle loose", urgency="🚨"
        )
        assert REF.fullmatch(ref)
        assert await cases_stored(estate) == 1

        group = estate.groups[Role.FRONT_DESK]
        desk.send("/incident update 1 The pump is being replaced", chat=group)
        await estate.settle()
        assert "The pump is being replaced" in chan.private.bot_messages()[-1].text
        assert "最新消息" in chan.private.bot_messages()[-1].text
        desk.send("/incident close 1 Water is back", chat=group)
        await estate.settle()
        assert "已恢復" in chan.private.bot_messages()[-1].text
        assert "Water is back" in chan.private.bot_messages()[-1].text
        assert not any("pump" in m.text for m in smith.private.bot_messages())
        assert "已於" in cards(estate)[0], "the card says it is closed"

        # The figures count the linked complaint.
        mark = desk.last_message_id(group)
        desk.send("/report", chat=group)
        await estate.settle()
        report = await desk.wait_for_message("已知事故", chat=group, after=mark)
        assert "1 宗" in report.text

        # Once closed, a filing is a case again.
        answer = await report_repair(estate, chan, "Still no hot water")
        assert REF.search(answer), chan.transcript()


async def test_a_case_made_an_incident_tells_its_reporter_of_the_closing(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        smith = estate.resident("smith")
        smith.send("/start")
        await estate.settle()
        ref = await file_case(
            estate, smith, "🔧 Report a repair", "Lift stuck at 3/F", urgency="🚨"
        )
        group = estate.groups[Role.FRONT_DESK]
        desk = estate.staff(Role.FRONT_DESK)
        desk.send(f"/incident case {ref} - Lift out of order", chat=group)
        await estate.settle()
        assert "事故 #1" in group.bot_messages()[-1].text or cards(estate)
        desk.send("/incident close 1 The lift is running again", chat=group)
        await estate.settle()
        assert "The lift is running again" in smith.private.bot_messages()[-1].text


async def test_bad_incident_commands_are_answered_and_only_the_desk_may_declare(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        group = estate.groups[Role.FRONT_DESK]
        desk = estate.staff(Role.FRONT_DESK)
        for wrong in (
            "/incident plumbing A 16:00 No water",  # no such category
            "/incident repair Z 16:00 No water",  # no such block
            "/incident repair A 08:00 No water",  # ends before it began
            "/incident repair A 16:00",  # what is wrong?
            "/incident update 9 hello",  # no such incident
        ):
            mark = desk.last_message_id(group)
            desk.send(wrong, chat=group)
            await estate.settle()
            answer = await desk.wait_for_message(chat=group, after=mark)
            assert "/incident" in answer.text or "#9" in answer.text, wrong
        chan = estate.resident("chan")
        mark = chan.last_message_id()
        chan.send(DECLARE)
        await estate.settle()
        assert "沒有權限" in (await chan.wait_for_message(after=mark)).text
        assert cards(estate) == []


OUTAGE = 50


async def test_an_outage_with_50_complaints_gives_one_card_and_50_immediate_answers(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        store = services(estate.app).store
        people: list[FakeUser] = []
        async with store.transaction() as tx:
            for i in range(OUTAGE):
                user_id = 5000 + i
                await tx.save_person(
                    Person(
                        user_id=user_id,
                        name=f"R{i}",
                        language="en",
                        building="A",
                        unit=f"{i // 4 + 1}{'ABCD'[i % 4]}",
                        resident_status="approved",
                    ),
                    START,
                )
                people.append(estate.world.user(user_id, f"R{i}", language_code="en"))
        for user in people:
            user.send("/start")
        await estate.settle()
        desk = estate.staff(Role.FRONT_DESK)
        desk.send(DECLARE, chat=estate.groups[Role.FRONT_DESK])
        await estate.settle()

        answers = await asyncio.gather(
            *(report_repair(estate, u, f"No water in flat {u.first_name}") for u in people)
        )
        await estate.settle()
        assert all("We know about this" in a for a in answers), answers
        assert await cases_stored(estate) == 0
        assert len(cards(estate)) == 1
        assert f"已連結投訴：{OUTAGE}" in cards(estate)[0]
        repair_cards = [m for m in estate.groups[Role.REPAIR_LEAD].bot_messages() if "📍" in m.text]
        assert repair_cards == [], "no card per complaint"
        assert estate.server.world.calls.count("sendMessage") < OUTAGE * 12


async def test_a_resident_whose_problem_is_another_one_files_it_as_a_case_after_all(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        desk = estate.staff(Role.FRONT_DESK)
        desk.send(DECLARE, chat=estate.groups[Role.FRONT_DESK])
        chan = estate.resident("chan")
        chan.send("/start")
        await estate.settle()
        await report_repair(estate, chan, "The bathroom light is broken")
        assert "已連結投訴：1" in cards(estate)[0]
        known = await chan.wait_for_button("另行報告")
        await estate.press(chan, known, "另行報告")
        filed = await chan.wait_for_message(after=known.message_id)
        assert REF.search(filed.text), chan.transcript()
        assert await cases_stored(estate) == 1
        assert "已連結投訴：0" in cards(estate)[0]
        shown = chan.private.bot_messages()
        assert not next(m for m in shown if m.message_id == known.message_id).buttons
