"""The state machine: legal moves, refused moves, and what each leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes import MemoryStore
from tests.helpers import (
    FRONT_DESK,
    NEIGHBOUR,
    NEIGHBOUR_HOME,
    REPAIR_LEAD,
    RESIDENT,
    DeskDriver,
    staff,
    to_role,
    to_users,
)
from workflow import commands as cmd
from workflow.errors import CaseNotFound, IllegalTransition, InvalidCommand, NotAllowed
from workflow.model import Category, EventKind, Severity, Status
from workflow.notifications import NoticeKind
from workflow.roles import Role


async def test_the_happy_path_logs_every_step(desk: DeskDriver, memory_store: MemoryStore) -> None:
    filed = await desk.file(Category.REPAIR)
    case_id = filed.case.id
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, case_id))
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, case_id))
    await desk.do(cmd.Resolve(REPAIR_LEAD, case_id, note="Done"))
    await desk.do(cmd.ConfirmFixed(RESIDENT, case_id, fixed=True))
    await desk.do(cmd.Rate(RESIDENT, case_id, stars=5))

    kinds = [e.kind for e in memory_store.events if e.case_id == case_id]
    assert kinds == [
        EventKind.FILED,
        EventKind.ACKNOWLEDGED,
        EventKind.ON_SITE,
        EventKind.RESOLVED,
        EventKind.CONFIRMED,
        EventKind.RATED,
        EventKind.CLOSED,
    ]
    actors = {e.kind: e.actor_id for e in memory_store.events}
    assert actors[EventKind.ACKNOWLEDGED] == REPAIR_LEAD.user_id
    assert actors[EventKind.RATED] == RESIDENT.user_id


async def test_references_count_per_category_and_year(desk: DeskDriver) -> None:
    first = await desk.file(Category.REPAIR)
    second = await desk.file(Category.REPAIR, by=NEIGHBOUR, home=NEIGHBOUR_HOME)
    cleaning = await desk.file(Category.CLEANING)
    desk.clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # already 2027 in Hong Kong
    next_year = await desk.file(Category.REPAIR, by=NEIGHBOUR, home=None)

    assert [first.case.ref, second.case.ref, cleaning.case.ref, next_year.case.ref] == [
        "R2026-00001",
        "R2026-00002",
        "C2026-00001",
        "R2027-00001",
    ]


async def test_the_resident_is_told_the_reference_and_the_acknowledge_deadline(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR, Severity.MAJOR)

    [receipt] = [n for n in filed.notifications if n.kind is NoticeKind.FILED]
    assert receipt.ref == filed.case.ref
    assert receipt.params["rung"] is Role.REPAIR_SUPERVISOR
    assert receipt.params["acknowledge_within"].total_seconds() == 15 * 60


async def test_two_acknowledgements_only_the_first_wins(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    with pytest.raises(IllegalTransition) as lost:
        await desk.do(cmd.Acknowledge(staff(3000, Role.REPAIR_LEAD), filed.case.id))

    assert lost.value.details["by"] == REPAIR_LEAD.user_id
    assert (await desk.case(filed.case.id)).acknowledged_by == REPAIR_LEAD.user_id


@pytest.mark.parametrize(
    "command",
    [
        lambda i: cmd.Resolve(REPAIR_LEAD, i),  # not acknowledged yet
        lambda i: cmd.Rate(RESIDENT, i, stars=5),  # not resolved yet
        lambda i: cmd.Comment(RESIDENT, i, text="hi"),
    ],
)
async def test_illegal_moves_are_refused_and_leave_no_trace(
    desk: DeskDriver, memory_store: MemoryStore, command: object
) -> None:
    filed = await desk.file(Category.REPAIR)
    before = (await desk.case(filed.case.id), len(memory_store.events))

    with pytest.raises((IllegalTransition, NotAllowed)):
        await desk.do(command(filed.case.id))  # type: ignore[operator]

    assert (await desk.case(filed.case.id), len(memory_store.events)) == before


async def test_the_resident_can_cancel_before_acknowledgement_only(desk: DeskDriver) -> None:
    first = await desk.file(Category.REPAIR)
    second = await desk.file(Category.CLEANING)
    await desk.do(cmd.Acknowledge(staff(5, Role.CLEANING_LEAD), second.case.id))

    cancelled = await desk.do(cmd.Cancel(RESIDENT, first.case.id, reason="Fixed it myself"))
    with pytest.raises(IllegalTransition):
        await desk.do(cmd.Cancel(RESIDENT, second.case.id))

    assert cancelled.case.status is Status.CANCELLED
    assert cancelled.case.deadlines == {}
    assert to_role(cancelled, NoticeKind.CANCELLED) == [Role.REPAIR_LEAD]


async def test_nobody_else_can_cancel_a_residents_case(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    for other in (NEIGHBOUR, REPAIR_LEAD):
        with pytest.raises(NotAllowed):
            await desk.do(cmd.Cancel(other, filed.case.id))


async def test_added_information_reaches_the_handler(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    added = await desk.do(
        cmd.AddInfo(RESIDENT, filed.case.id, text="It is worse now", attachments=("photo-1",))
    )

    assert to_role(added, NoticeKind.INFO_ADDED) == [Role.REPAIR_LEAD, Role.FRONT_DESK]
    assert to_users(added, NoticeKind.INFO_ADDED) == [REPAIR_LEAD.user_id]
    assert added.case.attachments == ["photo-1"]


async def test_an_empty_description_is_refused(desk: DeskDriver) -> None:
    with pytest.raises(InvalidCommand):
        await desk.file(Category.REPAIR, text="   ")


async def test_an_unknown_case_is_reported_as_such(desk: DeskDriver) -> None:
    with pytest.raises(CaseNotFound):
        await desk.do(cmd.Acknowledge(REPAIR_LEAD, 999))


async def test_merging_a_duplicate_passes_its_reporter_the_primary_updates(
    desk: DeskDriver,
) -> None:
    primary = await desk.file(Category.REPAIR, text="Lift B stuck")
    duplicate = await desk.file(
        Category.REPAIR, by=NEIGHBOUR, home=NEIGHBOUR_HOME, text="Lift B not moving"
    )

    merged = await desk.do(cmd.Merge(FRONT_DESK, duplicate.case.id, into_case_id=primary.case.id))
    acknowledged = await desk.do(cmd.Acknowledge(REPAIR_LEAD, primary.case.id))

    assert (await desk.case(duplicate.case.id)).status is Status.MERGED
    assert to_users(merged, NoticeKind.MERGED) == [NEIGHBOUR.user_id]
    assert set(to_users(acknowledged, NoticeKind.ACKNOWLEDGED)) == {
        RESIDENT.user_id,
        NEIGHBOUR.user_id,
    }


async def test_a_team_lead_cannot_merge_or_reclassify(desk: DeskDriver) -> None:
    one = await desk.file(Category.REPAIR)
    two = await desk.file(Category.REPAIR, by=NEIGHBOUR, home=NEIGHBOUR_HOME)
    with pytest.raises(NotAllowed):
        await desk.do(cmd.Merge(REPAIR_LEAD, two.case.id, into_case_id=one.case.id))
    with pytest.raises(NotAllowed):
        await desk.do(cmd.Reclassify(REPAIR_LEAD, one.case.id, category=Category.CLEANING))


async def test_reclassifying_sends_the_case_to_its_new_team_afresh(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, text="Rubbish piled in the corridor")
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    moved = await desk.do(
        cmd.Reclassify(
            FRONT_DESK, filed.case.id, category=Category.CLEANING, severity=Severity.MAJOR
        )
    )

    assert (moved.case.category, moved.case.status) == (Category.CLEANING, Status.NEW)
    assert moved.case.rung is Role.CLEANING_SUPERVISOR
    assert to_role(moved, NoticeKind.NEW_CASE) == [Role.CLEANING_SUPERVISOR]
    assert to_role(moved, NoticeKind.RECLASSIFIED) == [Role.REPAIR_LEAD]
    assert moved.case.urgency is None


async def test_guards_are_never_told_about_complaints_about_guards(desk: DeskDriver) -> None:
    decisions = [await desk.file(Category.SECURITY, s) for s in Severity]
    for decision in decisions:
        await desk.do(cmd.ComplainAgain(RESIDENT, decision.case.id))
    fired = await desk.after(timedelta(days=4))

    every_role = {n.role for d in decisions + fired for n in d.notifications}
    assert Role.GUARD not in every_role
    with pytest.raises(NotAllowed):
        await desk.do(cmd.Acknowledge(staff(77, Role.GUARD), decisions[0].case.id))


async def test_a_case_returned_to_the_front_desk_waits_to_be_classified_again(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR, text="Neighbour's dog barks all night")
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    returned = await desk.do(cmd.ReturnToFrontDesk(REPAIR_LEAD, filed.case.id, reason="Not ours"))

    assert (returned.case.status, returned.case.rung) == (Status.NEW, Role.FRONT_DESK)
    assert set(to_role(returned, NoticeKind.RETURNED)) == {Role.FRONT_DESK}
    classified = await desk.do(
        cmd.Reclassify(
            FRONT_DESK, filed.case.id, category=Category.MANAGEMENT, severity=Severity.GENERAL
        )
    )
    assert classified.case.rung is Role.CS_SUPERVISOR
    with pytest.raises(NotAllowed):
        await desk.do(cmd.ReturnToFrontDesk(RESIDENT, filed.case.id))


async def test_the_office_can_write_to_the_resident_about_a_case(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)

    sent = await desk.do(cmd.MessageResident(FRONT_DESK, filed.case.id, text="Is 3 pm ok?"))

    [relayed] = [n for n in sent.notifications if n.kind is NoticeKind.RELAYED]
    assert (relayed.user_id, relayed.params["text"]) == (RESIDENT.user_id, "Is 3 pm ok?")
    assert [e.kind for e in sent.events] == [EventKind.MESSAGED]
    with pytest.raises(NotAllowed):
        await desk.do(cmd.MessageResident(NEIGHBOUR, filed.case.id, text="hi"))


async def test_a_critical_case_gives_the_manager_the_residents_contact(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.SECURITY, Severity.CRITICAL)

    assert to_role(filed, NoticeKind.RESIDENT_CONTACT) == [Role.MANAGER]


async def test_a_case_escalated_to_the_manager_brings_the_residents_contact(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.MANAGEMENT)  # cs supervisor first
    fired = await desk.after(timedelta(minutes=31))

    assert [
        n.role for d in fired for n in d.notifications if n.kind is NoticeKind.RESIDENT_CONTACT
    ] == [Role.MANAGER]
    again = await desk.after(timedelta(minutes=31))  # reminders do not repeat it
    assert not [n for d in again for n in d.notifications if n.kind is NoticeKind.RESIDENT_CONTACT]
    assert filed.case.rung is Role.CS_SUPERVISOR
