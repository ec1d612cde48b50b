"""A new case: where it goes, and whether it repeats an earlier one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from workflow import commands as cmd
from workflow.decisions import guards
from workflow.decisions.shared import (
    REPEATABLE,
    Decision,
    Draft,
    check_media,
    clean_text,
    deadline_summary,
    promise,
    repeat_target,
    start_service_deadlines,
)
from workflow.errors import InvalidCommand, TooManyCases
from workflow.model import (
    Case,
    Category,
    EscalationReason,
    EventKind,
    ReporterKind,
    Severity,
    Status,
    Urgency,
)
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import Role
from workflow.routing import team_of


def linkable(case: Case, reporter_id: int | None, now: datetime, policy: Policy) -> bool:
    """Whether a new case by this resident may be a second complaint about `case`:
    theirs, of a kind that repeats, not withdrawn or merged, and still open or
    finished within the repeat window."""
    if (
        reporter_id is None
        or case.reporter_id != reporter_id
        or case.reporter_kind is not ReporterKind.RESIDENT
        or case.category not in REPEATABLE
        or case.status in (Status.CANCELLED, Status.MERGED)
        or policy.repeat_window <= timedelta(0)
    ):
        return False
    if case.is_open:
        return True
    finished = max(filter(None, (case.created_at, case.resolved_at, case.closed_at)))
    return now - finished <= policy.repeat_window


def link_offer(
    mine: Iterable[Case], reporter_id: int, category: Category, now: datetime, policy: Policy
) -> Case | None:
    """The case to ask a resident about ("Is this about R2026-00042?") when they
    file this category: their latest of the same category, open or recent. Only
    the resident's yes makes the new case a repeat; a different problem of the
    same kind is a new case."""
    matches = [c for c in mine if c.category is category and linkable(c, reporter_id, now, policy)]
    return max(matches, key=lambda c: c.created_at, default=None)


def find_repeat(
    linked: Case | None, command: cmd.FileCase, now: datetime, policy: Policy
) -> Case | None:
    """The earlier case a new filing repeats: the one the resident linked it to,
    if it may still be complained about again; else none (a new case)."""
    if (
        linked is None
        or command.repeat_of != linked.id
        or command.reporter_kind is not ReporterKind.RESIDENT
    ):
        return None
    return linked if linkable(linked, command.actor.user_id, now, policy) else None


def check_filing_limit(mine: Iterable[Case], now: datetime, policy: Policy) -> None:
    """At most `filing_limit` new cases from one resident in `filing_window`."""
    if policy.filing_limit <= 0:
        return
    since = now - policy.filing_window
    recent = [c for c in mine if c.created_at > since]
    if len(recent) >= policy.filing_limit:
        retry_at = min(c.created_at for c in recent) + policy.filing_window
        raise TooManyCases(
            f"{len(recent)} cases in {policy.filing_window}",
            limit=policy.filing_limit,
            window=policy.filing_window,
            retry_at=retry_at,
        )


def file_case(
    command: cmd.FileCase,
    *,
    case_id: int,
    ref: str,
    now: datetime,
    policy: Policy,
    earlier: Case | None = None,
) -> Decision:
    description = clean_text(
        command.description, required=not command.attachments, what="description"
    )
    check_media((), command.attachments)
    category = command.category
    severity = Severity.GENERAL if category is Category.ASSISTANCE else command.severity
    urgency = (command.urgency or Urgency.NORMAL) if category is Category.REPAIR else None
    if command.reporter_kind is ReporterKind.RESIDENT and command.actor.user_id is None:
        raise InvalidCommand("a resident's case needs the resident", field="actor")
    if category is Category.SITE_CONDITION and command.reporter_kind is ReporterKind.RESIDENT:
        raise InvalidCommand("site conditions are reported by guards", field="category")
    route = policy.routing.route_for(category, severity, command.about_team)
    case = Case(
        id=case_id,
        ref=ref,
        category=category,
        severity=severity,
        urgency=urgency,
        location=command.location,
        description=description,
        reporter_id=command.actor.user_id,
        reporter_kind=command.reporter_kind,
        created_at=now,
        rung=route.handler,
        first_handler=route.handler,
        informed=[r for r in route.informed if r is not route.handler],
        about_team=command.about_team,
        about_guards=guards.about_guards(category, command.about_team),
        reporter_unit=command.reporter_unit,
        attachments=list(command.attachments),
    )
    d = Draft(case, now, command.actor)
    if earlier is not None:
        d.case.repeat_of = earlier.id
        d.case.repeat_count = 1
        d.case.rung = repeat_target(earlier.rung)
        if route.handler not in d.case.informed and route.handler is not d.case.rung:
            d.case.informed.append(route.handler)
    nobody_on_duty = category is Category.ASSISTANCE and command.no_guard_on_duty
    if nobody_on_duty:
        d.case.rung = Role.SECURITY_CAPTAIN
    start_service_deadlines(d, policy)
    d.event(
        EventKind.FILED,
        category=category,
        severity=severity,
        urgency=urgency,
        team=team_of(category),
        handler=route.handler,
        rung=d.case.rung,
        reporter_kind=command.reporter_kind,
        repeat_of=d.case.repeat_of,
        deadlines=deadline_summary(d.case),
    )
    card = {"rung": d.case.rung, "repeat_of": earlier.ref if earlier else None}
    d.tell_role(NoticeKind.NEW_CASE, d.case.rung, **card)
    for role in d.case.informed:
        if role is not d.case.rung:
            d.tell_role(NoticeKind.INFORMED, role, **card)
    if nobody_on_duty:
        d.event(
            EventKind.ESCALATED,
            reason=EscalationReason.NO_GUARD_ON_DUTY,
            from_role=Role.GUARD,
            to_role=Role.SECURITY_CAPTAIN,
            overdue={},
            note="",
        )
    if d.case.rung is Role.MANAGER and d.case.has_resident:
        # The manager must go on site and talk to the resident in person.
        d.tell_role(NoticeKind.RESIDENT_CONTACT, Role.MANAGER)
    if earlier is not None:
        d.event(
            EventKind.REPEAT_COMPLAINT,
            reason=EscalationReason.REPEAT_COMPLAINT,
            earlier=earlier.id,
            count=1,
        )
        d.tell_role(NoticeKind.REPEAT_COMPLAINT, d.case.rung, earlier=earlier.ref, text=description)
    d.tell_audience(
        NoticeKind.FILED,
        rung=d.case.rung,
        repeat_of=earlier.ref if earlier else None,
        **promise(d.case, now, policy),
    )
    return d.decision()
