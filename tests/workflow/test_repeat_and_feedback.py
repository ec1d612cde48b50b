"""Repeat complaints both ways, and the callback-feedback loop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import (
    CS_SUPERVISOR,
    GUARD,
    LOBBY,
    NEIGHBOUR,
    NEIGHBOUR_HOME,
    REPAIR_LEAD,
    RESIDENT,
    DeskDriver,
    hours,
    notices,
    staff,
    to_role,
    to_users,
)
from workflow import commands as cmd
from workflow.errors import IllegalTransition, InvalidCommand, NotAllowed, TooManyCases
from workflow.model import (
    Category,
    CloseReason,
    DeadlineKind,
    EscalationReason,
    Severity,
    Status,
)
from workflow.notifications import NoticeKind
from workflow.roles import Role


async def _resolved_repair(desk: DeskDriver) -> int:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, filed.case.id))
    await desk.do(cmd.Resolve(REPAIR_LEAD, filed.case.id, note="Replaced the pipe"))
    return filed.case.id


# --- repeat complaints -----------------------------------------------------------


async def test_a_new_case_the_resident_links_to_their_earlier_one_goes_to_the_cs_supervisor(
    desk: DeskDriver,
) -> None:
    first = await desk.file(Category.CLEANING)
    await desk.after(hours(30))

    second = await desk.file(Category.CLEANING, text="Still dirty", repeat_of=first.case.id)

    assert second.case.repeat_of == first.case.id
    assert second.case.rung is Role.CS_SUPERVISOR
    assert to_role(second, NoticeKind.NEW_CASE) == [Role.CS_SUPERVISOR]
    assert to_role(second, NoticeKind.REPEAT_COMPLAINT) == [Role.CS_SUPERVISOR]
    assert Role.CLEANING_LEAD in to_role(second, NoticeKind.INFORMED)


async def test_five_different_repairs_in_seconds_are_five_new_cases_none_for_the_manager(
    desk: DeskDriver,
) -> None:
    filed = []
    for n in range(5):
        filed.append(await desk.file(Category.REPAIR, text=f"Problem {n}"))
        await desk.after(timedelta(milliseconds=500))

    assert [d.case.repeat_of for d in filed] == [None] * 5
    assert {d.case.rung for d in filed} == {Role.REPAIR_LEAD}
    assert not any(to_role(d, NoticeKind.REPEAT_COMPLAINT) for d in filed)
    assert not any(Role.MANAGER in to_role(d, NoticeKind.NEW_CASE) for d in filed)


async def test_the_resident_is_asked_about_their_latest_open_or_recent_case_of_that_kind(
    desk: DeskDriver,
) -> None:
    cleaning = await desk.file(Category.CLEANING)
    repair = await desk.file(Category.REPAIR)
    await desk.file(Category.REPAIR, by=NEIGHBOUR, home=NEIGHBOUR_HOME)

    offered = await desk.desk.link_offer(RESIDENT.user_id or 0, Category.REPAIR)
    none_for_security = await desk.desk.link_offer(RESIDENT.user_id or 0, Category.SECURITY)

    assert offered is not None
    assert offered.id == repair.case.id, "the latest repair, not the cleaning case"
    assert cleaning.case.id != offered.id
    assert none_for_security is None


async def test_a_link_to_someone_elses_case_or_an_old_one_files_a_new_case(
    desk: DeskDriver,
) -> None:
    theirs = await desk.file(Category.CLEANING, by=NEIGHBOUR, home=NEIGHBOUR_HOME)
    mine = await _resolved_repair(desk)
    await desk.after(hours(72))
    await desk.after(hours(24 * 8))

    not_mine = await desk.file(Category.CLEANING, repeat_of=theirs.case.id)
    too_old = await desk.file(Category.REPAIR, repeat_of=mine)

    assert (not_mine.case.repeat_of, not_mine.case.rung) == (None, Role.CLEANING_LEAD)
    assert (too_old.case.repeat_of, too_old.case.rung) == (None, Role.REPAIR_LEAD)


async def test_a_resident_over_the_hourly_limit_is_refused_and_nothing_is_stored(
    desk: DeskDriver,
) -> None:
    for n in range(5):
        await desk.file(Category.REPAIR, text=f"Problem {n}")

    with pytest.raises(TooManyCases) as refused:
        await desk.file(Category.REPAIR, text="Problem 6")
    await desk.after(hours(1))
    later = await desk.file(Category.REPAIR, text="Problem 6")

    assert refused.value.details["limit"] == 5
    assert later.case.id == 6


async def test_complaining_again_on_an_open_case_moves_it_to_the_cs_supervisor(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR)

    again = await desk.do(cmd.ComplainAgain(RESIDENT, filed.case.id, text="Nobody came"))

    assert again.case.rung is Role.CS_SUPERVISOR
    assert again.case.repeat_count == 1
    repeat = next(n for n in again.notifications if n.kind is NoticeKind.REPEAT_COMPLAINT)
    assert (repeat.role, repeat.params["text"]) == (Role.CS_SUPERVISOR, "Nobody came")
    assert to_role(again, NoticeKind.ESCALATED_AWAY) == [Role.REPAIR_LEAD]


async def test_a_repeat_that_the_cs_supervisor_already_handles_goes_to_the_manager(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.ComplainAgain(RESIDENT, filed.case.id, text="Nobody came"))

    third = await desk.do(cmd.ComplainAgain(RESIDENT, filed.case.id, text="Still nobody"))

    assert third.case.rung is Role.MANAGER
    assert third.case.repeat_count == 2


async def test_complaining_again_on_a_recently_closed_case_reopens_it(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))
    await desk.do(cmd.Rate(RESIDENT, case_id, stars=4))
    await desk.after(hours(48))

    again = await desk.do(cmd.ComplainAgain(RESIDENT, case_id, text="Leaking again"))

    assert again.case.status is Status.REOPENED
    assert again.case.rung is Role.CS_SUPERVISOR
    assert DeadlineKind.ACKNOWLEDGE in again.case.deadlines


async def test_complaining_again_long_after_closing_asks_for_a_new_case(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.after(hours(72))  # closed without feedback
    await desk.after(hours(24 * 8))

    with pytest.raises(IllegalTransition) as refused:
        await desk.do(cmd.ComplainAgain(RESIDENT, case_id))
    assert refused.value.details["too_late"] is True


async def test_the_result_of_a_repeat_case_is_reported_to_the_manager(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.ComplainAgain(RESIDENT, filed.case.id))
    await desk.do(cmd.MarkOnSite(CS_SUPERVISOR, filed.case.id))

    resolved = await desk.do(cmd.Resolve(CS_SUPERVISOR, filed.case.id, note="Fixed with lead"))

    report = next(n for n in resolved.notifications if n.kind is NoticeKind.RESULT_REPORT)
    assert (report.role, report.params["note"]) == (Role.MANAGER, "Fixed with lead")


async def test_only_the_reporter_can_complain_again(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    with pytest.raises(NotAllowed):
        await desk.do(cmd.ComplainAgain(NEIGHBOUR, filed.case.id))


# --- callback feedback -------------------------------------------------------------


async def test_resolving_asks_the_resident_for_feedback(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    resolved = await desk.do(cmd.Resolve(REPAIR_LEAD, filed.case.id, note="Replaced the pipe"))

    assert resolved.case.status is Status.RESOLVED
    [asked] = [n for n in resolved.notifications if n.kind is NoticeKind.RESOLVED]
    assert (asked.user_id, asked.params["note"]) == (RESIDENT.user_id, "Replaced the pipe")


async def test_fixed_and_rated_closes_the_case(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)

    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))
    rated = await desk.do(cmd.Rate(RESIDENT, case_id, stars=5))
    commented = await desk.do(cmd.Comment(RESIDENT, case_id, text="Quick and tidy"))

    assert rated.case.status is Status.CLOSED
    assert rated.case.close_reason is CloseReason.FEEDBACK
    # The reporter is still asked for a comment: thanked once, after it (the shell).
    assert to_users(rated, NoticeKind.CLOSED) == []
    assert commented.case.feedback_comment == "Quick and tidy"
    # A good comment is recorded and shown in the front desk's feed, not escalated.
    assert [n.kind for n in commented.notifications] == [NoticeKind.CHANGED]
    assert rated.case.deadlines == {}


async def test_not_fixed_reopens_as_rework_and_counts_as_a_repeat(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)

    reopened = await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=False))

    case = reopened.case
    assert (case.status, case.rework_count, case.repeat_count) == (Status.REOPENED, 1, 1)
    assert case.rung is Role.CS_SUPERVISOR
    assert to_role(reopened, NoticeKind.REPEAT_COMPLAINT) == [Role.CS_SUPERVISOR]
    escalated = [e for e in reopened.events if e.kind.value == "escalated"]
    assert escalated[0].reason is EscalationReason.NOT_FIXED
    assert case.resolved_by is None
    assert case.acknowledged_by is None


async def test_a_poor_rating_goes_to_the_cs_supervisor_with_its_comment(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))

    rated = await desk.do(cmd.Rate(RESIDENT, case_id, stars=2))
    commented = await desk.do(cmd.Comment(RESIDENT, case_id, text="Left a mess"))

    assert to_role(rated, NoticeKind.POOR_RATING) == [Role.CS_SUPERVISOR]
    [follow_up] = [n for n in commented.notifications if n.kind is NoticeKind.POOR_RATING]
    assert (follow_up.role, follow_up.params["comment"]) == (Role.CS_SUPERVISOR, "Left a mess")


async def test_feedback_is_final_once_given(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))
    await desk.do(cmd.Rate(RESIDENT, case_id, stars=4))

    for second_press in (
        cmd.Rate(RESIDENT, case_id, stars=1),
        cmd.ConfirmFixed(RESIDENT, case_id, fixed=False),
    ):
        with pytest.raises(IllegalTransition) as refused:
            await desk.do(second_press)
        assert refused.value.details["feedback_given"] is True
    assert (await desk.case(case_id)).rating == 4


async def test_ratings_outside_one_to_five_are_refused(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))
    with pytest.raises(InvalidCommand):
        await desk.do(cmd.Rate(RESIDENT, case_id, stars=6))


async def test_the_person_who_resolved_a_case_can_never_rate_it(desk: DeskDriver) -> None:
    # A staff member who filed a case from home, then resolved it themselves.
    lead_at_home = staff(REPAIR_LEAD.user_id or 0, Role.RESIDENT, Role.REPAIR_LEAD)
    filed = await desk.file(Category.REPAIR, by=lead_at_home)
    await desk.do(cmd.Acknowledge(lead_at_home, filed.case.id))
    await desk.do(cmd.Resolve(lead_at_home, filed.case.id))

    with pytest.raises(NotAllowed, match="resolved"):
        await desk.do(cmd.ConfirmFixed(lead_at_home, filed.case.id, fixed=True))


async def test_only_the_resident_gives_feedback(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    with pytest.raises(NotAllowed):
        await desk.do(cmd.ConfirmFixed(NEIGHBOUR, case_id, fixed=True))


async def test_no_answer_gets_one_reminder_then_closes_as_no_feedback(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)

    day_one = await desk.after(hours(24))
    day_two = await desk.after(hours(24))
    day_three = await desk.after(hours(24))

    assert [n.kind for n in notices(day_one)] == [NoticeKind.FEEDBACK_REMINDER]
    assert day_two == []
    case = await desk.case(case_id)
    assert (case.status, case.close_reason) == (Status.CLOSED, CloseReason.NO_FEEDBACK)
    assert [n.kind for n in notices(day_three)] == [NoticeKind.CLOSED, NoticeKind.CHANGED]


async def test_confirmed_but_never_rated_closes_as_feedback_given(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))

    await desk.after(hours(73))

    case = await desk.case(case_id)
    assert (case.status, case.close_reason) == (Status.CLOSED, CloseReason.FEEDBACK)


async def test_a_guard_reported_case_closes_at_resolve(desk: DeskDriver) -> None:
    front_desk = staff(9, Role.FRONT_DESK)
    report = await desk.file(
        Category.SITE_CONDITION, by=GUARD, home=None, where=LOBBY, text="Broken light in the lobby"
    )
    classified = await desk.do(
        cmd.Reclassify(
            front_desk, report.case.id, category=Category.REPAIR, severity=Severity.GENERAL
        )
    )
    assert to_role(classified, NoticeKind.NEW_CASE) == [Role.REPAIR_LEAD]
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, report.case.id))

    resolved = await desk.do(cmd.Resolve(REPAIR_LEAD, report.case.id, note="New bulb"))

    assert (resolved.case.status, resolved.case.close_reason) == (
        Status.CLOSED,
        CloseReason.NO_RESIDENT,
    )
    assert to_users(resolved, NoticeKind.RESOLVED) == []


async def test_the_front_desk_sees_every_change_in_its_feed(desk: DeskDriver) -> None:
    case_id = await _resolved_repair(desk)

    confirmed = await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))

    [feed] = [n for n in confirmed.notifications if n.kind is NoticeKind.CHANGED]
    assert (feed.role, feed.params["events"]) == (Role.FRONT_DESK, ["confirmed"])
