"""Cases in every state a card or a menu meets, built by the decisions
themselves (no store, no clock): for the tests of what the core allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.helpers import (
    CS_SUPERVISOR,
    FRONT_DESK,
    GUARD,
    HOME,
    LOBBY,
    MANAGER,
    REPAIR_LEAD,
    RESIDENT,
)
from workflow import commands as cmd
from workflow import decisions
from workflow.model import Actor, Case, Category, ReporterKind, Severity, Urgency
from workflow.policy import Policy

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
POLICY = Policy()
Step = Callable[[Actor, int], cmd.CaseCommand]

STEPS = decisions.STEPS


def filed(
    category: Category = Category.REPAIR,
    severity: Severity = Severity.GENERAL,
    *,
    by: Actor = RESIDENT,
    case_id: int = 1,
) -> Case:
    resident = by is RESIDENT
    command = cmd.FileCase(
        by,
        category,
        "Water is leaking from the ceiling",
        HOME if resident else LOBBY,
        severity=severity,
        urgency=Urgency.URGENT if category is Category.REPAIR else None,
        reporter_kind=ReporterKind.RESIDENT if resident else ReporterKind.GUARD,
        reporter_unit=HOME if resident else None,
    )
    return decisions.file_case(
        command, case_id=case_id, ref=f"X2026-{case_id:05}", now=T0, policy=POLICY
    ).case


def then(case: Case, *commands: cmd.CaseCommand, at: datetime = T0) -> Case:
    """The case after each command in turn (each one must be accepted)."""
    for command in commands:
        case = STEPS[type(command)](case, command, at, POLICY).case
    return case


def cases() -> dict[str, Case]:
    """A case in each state the office meets, by name."""
    new = filed()
    acked = then(new, cmd.Acknowledge(REPAIR_LEAD, 1))
    on_site = then(acked, cmd.MarkOnSite(REPAIR_LEAD, 1))
    resolved = then(on_site, cmd.Resolve(REPAIR_LEAD, 1, note="Fixed"))
    rated = then(resolved, cmd.Rate(RESIDENT, 1, stars=2))
    critical = filed(Category.SECURITY, Severity.CRITICAL)
    critical_on_site = then(critical, cmd.MarkOnSite(MANAGER, 1))
    critical_ready = then(critical_on_site, cmd.RecordResidentContacted(MANAGER, 1))
    help_request = filed(Category.ASSISTANCE)
    help_taken = then(help_request, cmd.Acknowledge(GUARD, 1))
    site_report = filed(Category.SITE_CONDITION, by=GUARD)
    return {
        "new repair": new,
        "acknowledged repair": acked,
        "repair on site": on_site,
        "resolved repair": resolved,
        "rated repair": rated,
        "commented repair": then(rated, cmd.Comment(RESIDENT, 1, text="Slow")),
        "fixed and closed repair": then(
            resolved, cmd.ConfirmFixed(RESIDENT, 1), cmd.Rate(RESIDENT, 1, stars=5)
        ),
        "cancelled repair": then(new, cmd.Cancel(RESIDENT, 1)),
        "repair at the supervisor": then(new, cmd.Escalate(REPAIR_LEAD, 1)),
        "repair at the cs supervisor": then(
            new, cmd.Escalate(REPAIR_LEAD, 1), cmd.Escalate(REPAIR_LEAD, 1)
        ),
        "repair at the manager": then(
            new,
            cmd.Escalate(REPAIR_LEAD, 1),
            cmd.Escalate(REPAIR_LEAD, 1),
            cmd.Escalate(CS_SUPERVISOR, 1),
        ),
        "repair returned to the front desk": then(new, cmd.ReturnToFrontDesk(REPAIR_LEAD, 1)),
        "reopened repair": then(resolved, cmd.ConfirmFixed(RESIDENT, 1, fixed=False)),
        "critical complaint": critical,
        "critical complaint on site": critical_on_site,
        "critical complaint on site and contacted": critical_ready,
        "cleaning case": filed(Category.CLEANING),
        "help request": help_request,
        "help request taken": help_taken,
        "help given": then(help_taken, cmd.Resolve(GUARD, 1)),
        "site report": site_report,
        "site report dismissed": then(site_report, cmd.Dismiss(FRONT_DESK, 1)),
    }


LATER = T0 + timedelta(days=10)  # beyond the default seven-day repeat window
