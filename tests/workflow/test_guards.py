"""Guards in the core: help requests they claim, and site reports."""

from __future__ import annotations

import pytest

from tests.helpers import (
    FRONT_DESK,
    GUARD,
    LOBBY,
    REPAIR_LEAD,
    RESIDENT,
    DeskDriver,
    minutes,
    notices,
    staff,
    to_role,
)
from workflow import commands as cmd
from workflow.errors import IllegalTransition, NotAllowed
from workflow.model import (
    Category,
    CloseReason,
    EscalationReason,
    Location,
    ReporterKind,
    Status,
)
from workflow.notifications import NoticeKind
from workflow.roles import Role


async def test_help_nobody_claims_in_15_minutes_goes_to_the_security_captain(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.ASSISTANCE, text="Two boxes to carry")
    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.GUARD]

    fired = await desk.after(minutes(16))

    escalated = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED]
    assert [(n.role, n.params["reason"]) for n in escalated] == [
        (Role.SECURITY_CAPTAIN, EscalationReason.ACKNOWLEDGE_MISSED)
    ]


async def test_help_with_no_guard_on_duty_goes_straight_to_the_captain(desk: DeskDriver) -> None:
    filed = await desk.desk.file(
        cmd.FileCase(
            actor=RESIDENT,
            category=Category.ASSISTANCE,
            description="Parcel at the gate",
            location=Location("A", "12A"),
            reporter_unit=Location("A", "12A"),
            no_guard_on_duty=True,
        )
    )

    assert filed.case.rung is Role.SECURITY_CAPTAIN
    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.SECURITY_CAPTAIN]
    assert [e.reason for e in filed.events if e.kind.value == "escalated"] == [
        EscalationReason.NO_GUARD_ON_DUTY
    ]


async def test_the_first_guard_to_claim_wins_and_the_resident_rates_with_one_tap(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.ASSISTANCE, text="Help with a sofa")
    other_guard = staff(2099, Role.GUARD)
    await desk.do(cmd.Acknowledge(GUARD, filed.case.id))
    with pytest.raises(IllegalTransition):
        await desk.do(cmd.Acknowledge(other_guard, filed.case.id))
    await desk.do(cmd.Resolve(GUARD, filed.case.id))

    rated = await desk.do(cmd.Rate(RESIDENT, filed.case.id, stars=5))

    assert (rated.case.status, rated.case.confirmed_fixed) == (Status.CLOSED, True)


async def test_a_site_report_needing_no_action_is_closed_by_the_front_desk(
    desk: DeskDriver,
) -> None:
    report = await desk.desk.file(
        cmd.FileCase(
            actor=GUARD,
            category=Category.SITE_CONDITION,
            description="Gate left open",
            location=LOBBY,
            reporter_kind=ReporterKind.GUARD,
        )
    )

    with pytest.raises(NotAllowed):
        await desk.do(cmd.Dismiss(REPAIR_LEAD, report.case.id))
    dismissed = await desk.do(cmd.Dismiss(FRONT_DESK, report.case.id, reason="Closed it"))

    assert (dismissed.case.status, dismissed.case.close_reason) == (
        Status.CLOSED,
        CloseReason.NO_ACTION,
    )
    with pytest.raises(IllegalTransition):
        await desk.do(cmd.Dismiss(FRONT_DESK, report.case.id))


async def test_only_site_reports_can_be_dismissed(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR)
    with pytest.raises(Exception, match="not a site report"):
        await desk.do(cmd.Dismiss(FRONT_DESK, filed.case.id))
