"""Timers: warnings at 80 %, one rung per missed deadline, reminders at the top."""

from __future__ import annotations

import pytest

from tests.helpers import (
    CLEANING_LEAD,
    CS_SUPERVISOR,
    MANAGER,
    REPAIR_LEAD,
    REPAIR_SUPERVISOR,
    RESIDENT,
    DeskDriver,
    hours,
    minutes,
    notices,
    to_role,
)
from workflow import commands as cmd
from workflow.errors import IllegalTransition, NotAllowed
from workflow.model import Category, DeadlineKind, EscalationReason, EventKind, Severity, Urgency
from workflow.notifications import NoticeKind
from workflow.roles import Role

G, M, C = Severity.GENERAL, Severity.MAJOR, Severity.CRITICAL

LADDERS = [
    (Category.REPAIR, G, [Role.REPAIR_LEAD, Role.REPAIR_SUPERVISOR]),
    (Category.REPAIR, M, [Role.REPAIR_SUPERVISOR]),
    (Category.REPAIR_COMPLAINT, G, [Role.REPAIR_SUPERVISOR]),
    (Category.CLEANING, G, [Role.CLEANING_LEAD, Role.CLEANING_SUPERVISOR]),
    (Category.CLEANING, M, [Role.CLEANING_SUPERVISOR]),
    (Category.SECURITY, G, [Role.SECURITY_CAPTAIN, Role.SECURITY_SUPERVISOR]),
    (Category.SECURITY, M, [Role.SECURITY_SUPERVISOR]),
    (Category.MANAGEMENT, G, []),
    (Category.ASSISTANCE, G, [Role.GUARD, Role.SECURITY_CAPTAIN, Role.SECURITY_SUPERVISOR]),
]


@pytest.mark.parametrize(("category", "severity", "team_rungs"), LADDERS)
async def test_an_untouched_case_climbs_every_rung_to_the_manager(
    desk: DeskDriver, category: Category, severity: Severity, team_rungs: list[Role]
) -> None:
    filed = await desk.file(category, severity)
    climbed = [filed.case.rung]

    while climbed[-1] is not Role.MANAGER and len(climbed) < 10:
        case = await desk.case(filed.case.id)
        next_due = min(dl.due_at for dl in case.deadlines.values())
        fired = await desk.after(next_due - desk.clock.now() + minutes(1))
        escalations = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED]
        assert len(escalations) == 1, "a missed deadline climbs exactly one rung"
        assert escalations[0].params["from_role"] is climbed[-1]
        assert escalations[0].role is not None
        climbed.append(escalations[0].role)

    assert climbed == [*team_rungs, Role.CS_SUPERVISOR, Role.MANAGER]


async def test_the_new_rung_is_told_which_deadline_and_by_how_much(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G)

    fired = await desk.after(minutes(34))

    escalated = next(n for n in notices(fired) if n.kind is NoticeKind.ESCALATED)
    assert escalated.role is Role.REPAIR_SUPERVISOR
    assert escalated.params["overdue"] == {"acknowledge": 4 * 60}
    assert to_role(fired[0], NoticeKind.ESCALATED_AWAY) == [Role.REPAIR_LEAD]
    resident = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED_RESIDENT]
    assert [(n.user_id, n.params["to"]) for n in resident] == [
        (RESIDENT.user_id, Role.REPAIR_SUPERVISOR)
    ]
    case = await desk.case(filed.case.id)
    assert case.rung is Role.REPAIR_SUPERVISOR


async def test_lower_rungs_can_still_act_after_an_escalation(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G)
    await desk.after(minutes(31))

    done = await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    assert done.case.acknowledged_by == REPAIR_LEAD.user_id


async def test_a_warning_goes_to_the_handler_at_80_percent(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G)

    early = await desk.after(minutes(23))
    warned = await desk.after(minutes(1))
    again = await desk.after(minutes(1))

    assert early == []
    assert to_role(warned[0], NoticeKind.WARNING) == [Role.REPAIR_LEAD]
    assert DeadlineKind.ACKNOWLEDGE in warned[0].notifications[0].params["due"]
    assert again == [], "a warning is sent once"
    assert (await desk.case(filed.case.id)).rung is Role.REPAIR_LEAD


async def test_a_warning_about_resolving_also_reaches_whoever_took_the_job(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.CLEANING, G)
    await desk.do(cmd.Acknowledge(CLEANING_LEAD, filed.case.id))

    fired = await desk.after(hours(24 * 0.8))

    warning = [n for n in notices(fired) if n.kind is NoticeKind.WARNING]
    assert {n.role or n.user_id for n in warning} == {Role.CLEANING_LEAD, CLEANING_LEAD.user_id}
    assert set(warning[0].params["due"]) == {"resolve"}


async def test_acknowledging_stops_only_the_acknowledge_timer(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G, urgency=Urgency.URGENT)
    await desk.after(minutes(10))
    await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    fired = await desk.after(minutes(21))

    escalated = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED]
    assert [n.params["reason"] for n in escalated] == [EscalationReason.ON_SITE_MISSED]
    assert set(escalated[0].params["overdue"]) == {"on_site"}
    case = await desk.case(filed.case.id)
    assert set(case.deadlines) == {DeadlineKind.ON_SITE, DeadlineKind.RESOLVE}


async def test_being_on_site_in_time_stops_the_on_site_timer(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G, urgency=Urgency.URGENT)
    await desk.do(cmd.MarkOnSite(REPAIR_LEAD, filed.case.id))

    fired = await desk.after(hours(2))

    assert [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED] == []
    assert set((await desk.case(filed.case.id)).deadlines) == {DeadlineKind.RESOLVE}


async def test_several_deadlines_missed_together_climb_one_rung(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G, urgency=Urgency.URGENT)  # ack 30m, on site 30m

    fired = await desk.after(minutes(45))

    escalated = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED]
    assert len(escalated) == 1
    assert escalated[0].role is Role.REPAIR_SUPERVISOR
    assert set(escalated[0].params["overdue"]) == {"acknowledge", "on_site"}
    assert (await desk.case(filed.case.id)).rung is Role.REPAIR_SUPERVISOR


async def test_a_missed_resolve_deadline_climbs_too(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, M)
    await desk.do(cmd.MarkOnSite(REPAIR_SUPERVISOR, filed.case.id))

    fired = await desk.after(hours(73))

    escalated = [n for n in notices(fired) if n.kind is NoticeKind.ESCALATED]
    assert [(n.role, n.params["reason"]) for n in escalated] == [
        (Role.CS_SUPERVISOR, EscalationReason.RESOLVE_MISSED)
    ]


async def test_at_the_manager_a_reminder_repeats_every_30_minutes_until_acknowledged(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR, C)  # straight to the manager, 5 min to acknowledge

    reminders = []
    for _ in range(3):
        fired = await desk.after(minutes(30))
        reminders += [n for n in notices(fired) if n.kind is NoticeKind.REMINDER]
    await desk.do(cmd.Acknowledge(MANAGER, filed.case.id))
    fired = await desk.after(minutes(30))

    assert [n.role for n in reminders] == [Role.MANAGER] * 3
    assert [n for n in notices(fired) if n.kind is NoticeKind.REMINDER] == []


async def test_a_bot_that_was_down_fires_an_overdue_deadline_once_on_its_first_sweep(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.REPAIR, G)

    fired = await desk.after(hours(5))
    again = await desk.desk.sweep()

    assert [n.role for n in notices(fired) if n.kind is NoticeKind.ESCALATED] == [
        Role.REPAIR_SUPERVISOR
    ]
    assert again == []
    case = await desk.case(filed.case.id)
    assert case.rung is Role.REPAIR_SUPERVISOR
    assert case.deadlines[DeadlineKind.ACKNOWLEDGE].due_at == desk.clock.now() + minutes(30)


async def test_critical_cases_need_on_site_and_resident_contacted_before_resolving(
    desk: DeskDriver,
) -> None:
    filed = await desk.file(Category.CLEANING, C)
    case_id = filed.case.id
    await desk.do(cmd.Acknowledge(MANAGER, case_id))

    with pytest.raises(IllegalTransition, match="critical"):
        await desk.do(cmd.Resolve(MANAGER, case_id, note="Cleaned"))
    await desk.do(cmd.MarkOnSite(MANAGER, case_id))
    with pytest.raises(IllegalTransition, match="resident contacted"):
        await desk.do(cmd.Resolve(MANAGER, case_id, note="Cleaned"))
    await desk.do(cmd.RecordResidentContacted(MANAGER, case_id))
    resolved = await desk.do(cmd.Resolve(MANAGER, case_id, note="Cleaned"))

    assert resolved.case.resolved_by == MANAGER.user_id
    kinds = [e.kind for e in desk.desk.store.events if e.case_id == case_id]  # type: ignore[attr-defined]
    assert EventKind.RESIDENT_CONTACTED in kinds


async def test_manual_escalation_records_the_reason(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G)

    up = await desk.do(cmd.Escalate(REPAIR_LEAD, filed.case.id, reason="Needs a contractor"))

    escalated = next(n for n in up.notifications if n.kind is NoticeKind.ESCALATED)
    assert escalated.role is Role.REPAIR_SUPERVISOR
    assert escalated.params["reason"] is EscalationReason.MANUAL
    assert escalated.params["note"] == "Needs a contractor"


async def test_the_manager_cannot_escalate_further(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, C)
    with pytest.raises(IllegalTransition, match="top"):
        await desk.do(cmd.Escalate(MANAGER, filed.case.id))


async def test_someone_off_the_ladder_cannot_acknowledge(desk: DeskDriver) -> None:
    filed = await desk.file(Category.REPAIR, G)
    with pytest.raises(NotAllowed):
        await desk.do(cmd.Acknowledge(RESIDENT, filed.case.id))
    await desk.do(cmd.Acknowledge(CS_SUPERVISOR, filed.case.id))  # a rung above may
