"""Every change a case can go through, as pure functions.

Each function takes the case as it is, the command and the time, and returns
a `Decision`: the case as it should become, the events to append to the log
and the notifications to send. Nothing here reads a clock, a database or a
network, and the case passed in is never modified: a refused command leaves
no trace.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflow import commands as cmd
from workflow.errors import IllegalTransition, InvalidCommand, NotAllowed
from workflow.model import (
    OPEN_STATUSES,
    SERVICE_DEADLINES,
    Actor,
    Case,
    Category,
    CloseReason,
    Deadline,
    DeadlineKind,
    EscalationReason,
    Event,
    EventKind,
    ReporterKind,
    Severity,
    Status,
    Urgency,
)
from workflow.notifications import NoticeKind, Notification
from workflow.policy import Policy
from workflow.roles import Role, is_at_or_above, ladder_from, rung_above
from workflow.routing import team_of

MAX_TEXT = 4000
POOR_RATING = 2
SUPERVISING_ROLES = frozenset(
    {
        Role.FRONT_DESK,
        Role.REPAIR_SUPERVISOR,
        Role.CLEANING_SUPERVISOR,
        Role.SECURITY_SUPERVISOR,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    }
)
REPEATABLE = frozenset(
    {
        Category.REPAIR,
        Category.REPAIR_COMPLAINT,
        Category.CLEANING,
        Category.SECURITY,
        Category.MANAGEMENT,
    }
)


_NOT_A_CHANGE = frozenset({EventKind.WARNED, EventKind.REMINDED, EventKind.FEEDBACK_REMINDED})


@dataclass
class Decision:
    cases: list[Case]
    events: list[Event] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.cases[0]


class _Draft:
    """The working copy of one case while a decision is being made."""

    def __init__(self, case: Case, now: datetime, actor: Actor | None) -> None:
        self.case = copy.deepcopy(case)
        self.rung_before = case.rung
        self.now = now
        self.actor_id = actor.user_id if actor else None
        self.events: list[Event] = []
        self.notifications: list[Notification] = []

    def event(self, kind: EventKind, reason: str | None = None, **data: Any) -> None:
        self.events.append(
            Event(self.case.id, kind, self.now, actor_id=self.actor_id, reason=reason, data=data)
        )

    def tell_role(self, kind: NoticeKind, role: Role, **params: Any) -> None:
        self.notifications.append(
            Notification(kind, self.case.id, self.case.ref, role=role, params=params)
        )

    def tell_user(self, kind: NoticeKind, user_id: int, **params: Any) -> None:
        self.notifications.append(
            Notification(kind, self.case.id, self.case.ref, user_id=user_id, params=params)
        )

    def tell_audience(self, kind: NoticeKind, **params: Any) -> None:
        for user_id in self.case.audience():
            self.tell_user(kind, user_id, **params)

    def decision(self, *others: Case) -> Decision:
        self.contact_for_manager()
        self.feed_front_desk()
        return Decision([self.case, *others], self.events, self.notifications)

    def contact_for_manager(self) -> None:
        """Whenever a case reaches the manager, the manager gets the resident's
        contact: they must go on site and talk to the resident in person."""
        reached = self.rung_before is not Role.MANAGER and self.case.rung is Role.MANAGER
        if reached and self.case.has_resident:
            self.tell_role(NoticeKind.RESIDENT_CONTACT, Role.MANAGER)

    def feed_front_desk(self) -> None:
        """The front desk sees every change: those it was not told of directly
        reach it as a line in its feed."""
        told = any(n.role is Role.FRONT_DESK for n in self.notifications)
        changes = [str(e.kind) for e in self.events if e.kind not in _NOT_A_CHANGE]
        if changes and not told:
            self.tell_role(NoticeKind.CHANGED, Role.FRONT_DESK, events=changes, by=self.actor_id)


# --- guards ---------------------------------------------------------------


def staff_roles_for(case: Case) -> frozenset[Role]:
    """Roles that may act on a case: its first handler's ladder and the ladder
    of the rung it sits on now (lower rungs keep seeing an escalated case)."""
    return frozenset(ladder_from(case.first_handler)) | frozenset(ladder_from(case.rung))


def _require_staff(case: Case, actor: Actor, action: str) -> None:
    if not actor.roles & staff_roles_for(case):
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def _require_supervising(case: Case, actor: Actor, action: str) -> None:
    """Reclassify and merge belong to the front desk and the supervisors."""
    allowed = SUPERVISING_ROLES & (staff_roles_for(case) | {Role.FRONT_DESK})
    if not actor.roles & allowed:
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def _require_reporter(case: Case, actor: Actor, action: str) -> None:
    if actor.user_id is None or actor.user_id not in case.audience():
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def _require_status(case: Case, allowed: Iterable[Status], action: str) -> None:
    if case.status not in allowed:
        raise IllegalTransition(
            f"cannot {action} {case.ref}: it is {case.status}",
            case=case.ref,
            status=case.status,
            action=action,
        )


def _clean_text(text: str, *, required: bool, what: str) -> str:
    text = text.strip()
    if required and not text:
        raise InvalidCommand(f"{what} is empty", field=what)
    if len(text) > MAX_TEXT:
        raise InvalidCommand(f"{what} is longer than {MAX_TEXT} characters", field=what)
    return text


# --- deadlines ------------------------------------------------------------


def _limit(case: Case, kind: DeadlineKind, policy: Policy) -> timedelta | None:
    return policy.deadlines.for_case(case.category, case.severity, case.urgency).get(kind)


def _start(d: _Draft, kind: DeadlineKind, limit: timedelta, policy: Policy, warn: bool) -> None:
    warn_at = d.now + limit * policy.warn_fraction if warn else None
    d.case.deadlines[kind] = Deadline(kind, d.now, d.now + limit, warn_at)


def _start_service_deadlines(
    d: _Draft, policy: Policy, kinds: Iterable[DeadlineKind] = SERVICE_DEADLINES
) -> None:
    for kind in kinds:
        limit = _limit(d.case, kind, policy)
        if limit is not None:
            _start(d, kind, limit, policy, warn=True)


def _stop(d: _Draft, *kinds: DeadlineKind) -> None:
    for kind in kinds:
        d.case.deadlines.pop(kind, None)


def _deadline_summary(case: Case) -> dict[str, str]:
    return {str(k): dl.due_at.isoformat() for k, dl in case.deadlines.items()}


# --- filing ---------------------------------------------------------------


def find_repeat(
    candidates: Iterable[Case], command: cmd.FileCase, now: datetime, policy: Policy
) -> Case | None:
    """The earlier case a new filing repeats, if any: the same category from
    the same unit, still open or active within the repeat window."""
    if (
        command.reporter_kind is not ReporterKind.RESIDENT
        or command.category not in REPEATABLE
        or command.reporter_unit is None
        or policy.repeat_window <= timedelta(0)
    ):
        return None
    since = now - policy.repeat_window
    home = (command.reporter_unit.building, command.reporter_unit.unit)
    matches = [
        c
        for c in candidates
        if c.category is command.category
        and c.reporter_unit is not None
        and (c.reporter_unit.building, c.reporter_unit.unit) == home
        and c.status not in (Status.CANCELLED, Status.MERGED)
        and (c.is_open or max(filter(None, (c.created_at, c.resolved_at, c.closed_at))) >= since)
    ]
    return max(matches, key=lambda c: c.created_at, default=None)


def _repeat_target(rung: Role) -> Role:
    """A repeat complaint goes to the cs supervisor; one that the cs supervisor
    already coordinated goes to the manager."""
    return Role.MANAGER if is_at_or_above(rung, Role.CS_SUPERVISOR) else Role.CS_SUPERVISOR


def file_case(
    command: cmd.FileCase,
    *,
    case_id: int,
    ref: str,
    now: datetime,
    policy: Policy,
    earlier: Case | None = None,
) -> Decision:
    description = _clean_text(
        command.description, required=not command.attachments, what="description"
    )
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
        reporter_unit=command.reporter_unit,
        attachments=list(command.attachments),
    )
    d = _Draft(case, now, command.actor)
    if earlier is not None:
        d.case.repeat_of = earlier.id
        d.case.repeat_count = 1
        d.case.rung = _repeat_target(earlier.rung)
        if route.handler not in d.case.informed and route.handler is not d.case.rung:
            d.case.informed.append(route.handler)
    nobody_on_duty = category is Category.ASSISTANCE and command.no_guard_on_duty
    if nobody_on_duty:
        d.case.rung = Role.SECURITY_CAPTAIN
    _start_service_deadlines(d, policy)
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
        deadlines=_deadline_summary(d.case),
    )
    ack = d.case.deadlines[DeadlineKind.ACKNOWLEDGE]
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
        acknowledge_by=ack.due_at,
        acknowledge_within=ack.due_at - now,
        repeat_of=earlier.ref if earlier else None,
    )
    return d.decision()


# --- staff steps ----------------------------------------------------------


def acknowledge(case: Case, c: cmd.Acknowledge, now: datetime, policy: Policy) -> Decision:
    _require_staff(case, c.actor, "acknowledge")
    if case.status in (Status.ACKNOWLEDGED, Status.ON_SITE):
        raise IllegalTransition(
            f"{case.ref} was already acknowledged",
            case=case.ref,
            status=case.status,
            action="acknowledge",
            by=case.acknowledged_by,
        )
    _require_status(case, (Status.NEW, Status.REOPENED), "acknowledge")
    d = _Draft(case, now, c.actor)
    _acknowledge(d)
    return d.decision()


def _acknowledge(d: _Draft) -> None:
    d.case.status = Status.ACKNOWLEDGED
    d.case.acknowledged_by = d.actor_id
    d.case.acknowledged_at = d.now
    _stop(d, DeadlineKind.ACKNOWLEDGE)
    d.event(EventKind.ACKNOWLEDGED, rung=d.case.rung)
    d.tell_audience(NoticeKind.ACKNOWLEDGED, by=d.actor_id)


def mark_on_site(case: Case, c: cmd.MarkOnSite, now: datetime, policy: Policy) -> Decision:
    """Arriving on site implies taking the job, so a new case is acknowledged
    on the way."""
    _require_staff(case, c.actor, "mark on site")
    _require_status(case, (Status.NEW, Status.REOPENED, Status.ACKNOWLEDGED), "mark on site")
    d = _Draft(case, now, c.actor)
    if case.status is not Status.ACKNOWLEDGED:
        _acknowledge(d)
    d.case.status = Status.ON_SITE
    d.case.on_site_at = now
    _stop(d, DeadlineKind.ON_SITE)
    d.event(EventKind.ON_SITE)
    d.tell_audience(NoticeKind.ON_SITE, by=c.actor.user_id)
    return d.decision()


def record_resident_contacted(
    case: Case, c: cmd.RecordResidentContacted, now: datetime, policy: Policy
) -> Decision:
    _require_staff(case, c.actor, "record contact for")
    _require_status(case, OPEN_STATUSES, "record contact for")
    d = _Draft(case, now, c.actor)
    d.case.resident_contacted_at = now
    d.event(EventKind.RESIDENT_CONTACTED)
    return d.decision()


def resolve(case: Case, c: cmd.Resolve, now: datetime, policy: Policy) -> Decision:
    _require_staff(case, c.actor, "resolve")
    _require_status(case, (Status.ACKNOWLEDGED, Status.ON_SITE), "resolve")
    if (
        case.severity is Severity.CRITICAL
        and case.has_resident
        and (case.on_site_at is None or case.resident_contacted_at is None)
    ):
        raise IllegalTransition(
            f"{case.ref} is critical: record 'on site' and 'resident contacted' first",
            case=case.ref,
            status=case.status,
            action="resolve",
            missing="on_site" if case.on_site_at is None else "resident_contacted",
        )
    note = _clean_text(c.note, required=False, what="note")
    d = _Draft(case, now, c.actor)
    d.case.resolved_by = c.actor.user_id
    d.case.resolved_at = now
    d.case.resolution_note = note
    d.case.attachments.extend(c.attachments)
    _stop(d, *SERVICE_DEADLINES)
    d.event(EventKind.RESOLVED, note=note, attachments=list(c.attachments))
    if case.repeat_count:
        d.tell_role(
            NoticeKind.RESULT_REPORT, Role.MANAGER, note=note, repeat_count=case.repeat_count
        )
    if d.case.has_resident:
        d.case.status = Status.RESOLVED
        _start(d, DeadlineKind.FEEDBACK_REMINDER, policy.feedback_reminder, policy, warn=False)
        _start(d, DeadlineKind.FEEDBACK_CLOSE, policy.feedback_close, policy, warn=False)
        d.tell_audience(NoticeKind.RESOLVED, note=note, attachments=list(c.attachments))
    else:
        d.case.status = Status.RESOLVED
        _close(d, CloseReason.NO_RESIDENT)
    return d.decision()


def escalate(case: Case, c: cmd.Escalate, now: datetime, policy: Policy) -> Decision:
    _require_staff(case, c.actor, "escalate")
    _require_status(case, OPEN_STATUSES, "escalate")
    if rung_above(case.rung) is None:
        raise IllegalTransition(
            f"{case.ref} is already at the top",
            case=case.ref,
            status=case.status,
            action="escalate",
        )
    d = _Draft(case, now, c.actor)
    _climb(
        d,
        [],
        EscalationReason.MANUAL,
        policy,
        note=_clean_text(c.reason, required=False, what="reason"),
    )
    return d.decision()


def reclassify(case: Case, c: cmd.Reclassify, now: datetime, policy: Policy) -> Decision:
    """Send a case to the team it really belongs to; that team starts afresh."""
    _require_supervising(case, c.actor, "reclassify")
    _require_status(case, (Status.NEW, Status.ACKNOWLEDGED, Status.REOPENED), "reclassify")
    if c.category is Category.SITE_CONDITION:
        raise InvalidCommand("a case cannot be reclassified as a site condition", field="category")
    d = _Draft(case, now, c.actor)
    before = (case.category, case.severity, case.rung)
    d.case.category = c.category
    d.case.severity = Severity.GENERAL if c.category is Category.ASSISTANCE else c.severity
    d.case.urgency = (c.urgency or Urgency.NORMAL) if c.category is Category.REPAIR else None
    d.case.about_team = c.about_team
    route = policy.routing.route_for(d.case.category, d.case.severity, c.about_team)
    d.case.first_handler = d.case.rung = route.handler
    d.case.informed = [r for r in route.informed if r is not route.handler]
    if case.status is Status.ACKNOWLEDGED:
        d.case.status = Status.NEW
    d.case.acknowledged_by = d.case.acknowledged_at = None
    _stop(d, *SERVICE_DEADLINES)
    _start_service_deadlines(d, policy)
    d.event(
        EventKind.RECLASSIFIED,
        from_category=before[0],
        from_severity=before[1],
        category=d.case.category,
        severity=d.case.severity,
        urgency=d.case.urgency,
        team=team_of(d.case.category),
        handler=route.handler,
        deadlines=_deadline_summary(d.case),
    )
    if before[2] is not route.handler:
        d.tell_role(NoticeKind.RECLASSIFIED, before[2], to=route.handler)
    d.tell_role(NoticeKind.NEW_CASE, route.handler, rung=route.handler, repeat_of=None)
    for role in d.case.informed:
        d.tell_role(NoticeKind.INFORMED, role, rung=route.handler, repeat_of=None)
    return d.decision()


def merge(duplicate: Case, primary: Case, c: cmd.Merge, now: datetime, policy: Policy) -> Decision:
    """Close a duplicate into its primary; the duplicate's reporter then hears
    about the primary case."""
    _require_supervising(duplicate, c.actor, "merge")
    if duplicate.id == primary.id:
        raise InvalidCommand("a case cannot be merged into itself", field="into")
    _require_status(duplicate, OPEN_STATUSES, "merge")
    _require_status(primary, OPEN_STATUSES | {Status.RESOLVED}, "merge into")
    dup = _Draft(duplicate, now, c.actor)
    prim = _Draft(primary, now, c.actor)
    dup.case.status = Status.MERGED
    dup.case.merged_into = primary.id
    dup.case.deadlines.clear()
    for user_id in duplicate.audience():
        if user_id not in prim.case.audience():
            prim.case.followers.append(user_id)
    dup.event(EventKind.MERGED, into=primary.id, into_ref=primary.ref)
    prim.event(EventKind.MERGED, duplicate=duplicate.id, duplicate_ref=duplicate.ref)
    dup.tell_audience(NoticeKind.MERGED, into=primary.ref)
    dup.feed_front_desk()
    return Decision(
        [dup.case, prim.case],
        dup.events + prim.events,
        dup.notifications + prim.notifications,
    )


def return_to_front_desk(
    case: Case, c: cmd.ReturnToFrontDesk, now: datetime, policy: Policy
) -> Decision:
    """Not ours: the front desk classifies it again."""
    _require_staff(case, c.actor, "return")
    _require_status(case, (Status.NEW, Status.ACKNOWLEDGED, Status.REOPENED), "return")
    if case.rung is Role.FRONT_DESK:
        raise IllegalTransition(
            f"{case.ref} is already with the front desk",
            case=case.ref,
            status=case.status,
            action="return",
        )
    d = _Draft(case, now, c.actor)
    before = case.rung
    d.case.rung = d.case.first_handler = Role.FRONT_DESK
    if case.status is Status.ACKNOWLEDGED:
        d.case.status = Status.NEW
    d.case.acknowledged_by = d.case.acknowledged_at = None
    _stop(d, *SERVICE_DEADLINES)
    _start_service_deadlines(d, policy, [DeadlineKind.ACKNOWLEDGE])
    reason = _clean_text(c.reason, required=False, what="reason")
    d.event(EventKind.RETURNED, reason=reason or None, from_role=before)
    d.tell_role(NoticeKind.RETURNED, Role.FRONT_DESK, from_role=before, note=reason)
    d.tell_role(NoticeKind.NEW_CASE, Role.FRONT_DESK, rung=Role.FRONT_DESK, repeat_of=None)
    return d.decision()


def message_resident(case: Case, c: cmd.MessageResident, now: datetime, policy: Policy) -> Decision:
    """The office writes to the resident about their case, through the bot."""
    if not c.actor.roles & (staff_roles_for(case) | {Role.FRONT_DESK}):
        raise NotAllowed(f"not allowed to message about {case.ref}", case=case.ref)
    if not case.has_resident:
        raise InvalidCommand(f"{case.ref} has no resident to write to", field="case")
    text = _clean_text(c.text, required=True, what="text")
    d = _Draft(case, now, c.actor)
    d.event(EventKind.MESSAGED, text=text)
    d.tell_audience(NoticeKind.RELAYED, text=text, by=c.actor.user_id)
    return d.decision()


def dismiss(case: Case, c: cmd.Dismiss, now: datetime, policy: Policy) -> Decision:
    """The front desk judges a guard's site report needs no action."""
    if Role.FRONT_DESK not in c.actor.roles and not c.actor.roles & SUPERVISING_ROLES:
        raise NotAllowed(f"not allowed to dismiss {case.ref}", case=case.ref)
    if case.category is not Category.SITE_CONDITION:
        raise InvalidCommand(f"{case.ref} is not a site report", field="case")
    _require_status(case, (Status.NEW,), "dismiss")
    d = _Draft(case, now, c.actor)
    d.event(EventKind.DISMISSED, reason=_clean_text(c.reason, required=False, what="reason"))
    d.case.status = Status.RESOLVED
    d.case.resolved_by = c.actor.user_id
    d.case.resolved_at = now
    _close(d, CloseReason.NO_ACTION)
    return d.decision()


# --- the resident's side -----------------------------------------------------


def cancel(case: Case, c: cmd.Cancel, now: datetime, policy: Policy) -> Decision:
    _require_reporter(case, c.actor, "cancel")
    _require_status(case, (Status.NEW,), "cancel")
    d = _Draft(case, now, c.actor)
    d.case.status = Status.CANCELLED
    d.case.deadlines.clear()
    d.event(EventKind.CANCELLED, reason=_clean_text(c.reason, required=False, what="reason"))
    d.tell_role(NoticeKind.CANCELLED, d.case.rung)
    return d.decision()


def add_info(case: Case, c: cmd.AddInfo, now: datetime, policy: Policy) -> Decision:
    _require_reporter(case, c.actor, "add information to")
    _require_status(case, OPEN_STATUSES, "add information to")
    text = _clean_text(c.text, required=not c.attachments, what="text")
    d = _Draft(case, now, c.actor)
    d.case.attachments.extend(c.attachments)
    d.event(EventKind.INFO_ADDED, text=text, attachments=list(c.attachments))
    d.tell_role(NoticeKind.INFO_ADDED, d.case.rung, text=text, attachments=list(c.attachments))
    if d.case.rung is not Role.FRONT_DESK:
        d.tell_role(
            NoticeKind.INFO_ADDED, Role.FRONT_DESK, text=text, attachments=list(c.attachments)
        )
    if case.acknowledged_by is not None:
        d.tell_user(
            NoticeKind.INFO_ADDED, case.acknowledged_by, text=text, attachments=list(c.attachments)
        )
    return d.decision()


def complain_again(case: Case, c: cmd.ComplainAgain, now: datetime, policy: Policy) -> Decision:
    """A second complaint about the same service: an open case jumps to the cs
    supervisor; a recently resolved or closed one reopens there."""
    _require_reporter(case, c.actor, "complain again about")
    _require_status(case, OPEN_STATUSES | {Status.RESOLVED, Status.CLOSED}, "complain again about")
    text = _clean_text(c.text, required=False, what="text")
    if not case.is_open:
        finished = case.closed_at or case.resolved_at or case.created_at
        if now - finished > policy.repeat_window:
            raise IllegalTransition(
                f"{case.ref} was closed too long ago; file a new case",
                case=case.ref,
                status=case.status,
                action="complain again",
                too_late=True,
            )
    d = _Draft(case, now, c.actor)
    if not case.is_open:
        _reopen(d, policy, EscalationReason.REPEAT_COMPLAINT)
    _mark_repeat(d, policy, EscalationReason.REPEAT_COMPLAINT, text)
    return d.decision()


def _check_feedback(case: Case, actor: Actor, action: str) -> None:
    _require_reporter(case, actor, action)
    if actor.user_id is not None and actor.user_id == case.resolved_by:
        raise NotAllowed(
            f"the person who resolved {case.ref} cannot give its feedback",
            case=case.ref,
            action=action,
        )


def confirm_fixed(case: Case, c: cmd.ConfirmFixed, now: datetime, policy: Policy) -> Decision:
    _check_feedback(case, c.actor, "confirm")
    if case.confirmed_fixed is not None or case.status is not Status.RESOLVED:
        raise IllegalTransition(
            f"feedback on {case.ref} was already given",
            case=case.ref,
            status=case.status,
            action="confirm",
            feedback_given=True,
        )
    d = _Draft(case, now, c.actor)
    d.event(EventKind.CONFIRMED, fixed=c.fixed)
    if c.fixed:
        d.case.confirmed_fixed = True
        return d.decision()
    d.case.rework_count += 1
    _reopen(d, policy, EscalationReason.NOT_FIXED)
    _mark_repeat(d, policy, EscalationReason.NOT_FIXED, "")
    return d.decision()


def rate(case: Case, c: cmd.Rate, now: datetime, policy: Policy) -> Decision:
    _check_feedback(case, c.actor, "rate")
    if not 1 <= c.stars <= 5:
        raise InvalidCommand("a rating is 1 to 5 stars", field="stars")
    if case.rating is not None or case.status is not Status.RESOLVED:
        raise IllegalTransition(
            f"feedback on {case.ref} was already given",
            case=case.ref,
            status=case.status,
            action="rate",
            feedback_given=True,
        )
    d = _Draft(case, now, c.actor)
    if case.confirmed_fixed is None:
        # Help from a guard is rated with one tap: the rating is the confirmation.
        d.case.confirmed_fixed = True
        d.event(EventKind.CONFIRMED, fixed=True)
    d.case.rating = c.stars
    d.event(EventKind.RATED, stars=c.stars)
    if c.stars <= POOR_RATING:
        d.tell_role(NoticeKind.POOR_RATING, Role.CS_SUPERVISOR, stars=c.stars)
    _close(d, CloseReason.FEEDBACK)
    return d.decision()


def comment(case: Case, c: cmd.Comment, now: datetime, policy: Policy) -> Decision:
    _check_feedback(case, c.actor, "comment on")
    if case.rating is None or case.feedback_comment is not None:
        raise IllegalTransition(
            f"no comment can be added to {case.ref} now",
            case=case.ref,
            status=case.status,
            action="comment",
            feedback_given=True,
        )
    text = _clean_text(c.text, required=True, what="comment")
    d = _Draft(case, now, c.actor)
    d.case.feedback_comment = text
    d.event(EventKind.COMMENTED, text=text)
    if case.rating <= POOR_RATING:
        d.tell_role(NoticeKind.POOR_RATING, Role.CS_SUPERVISOR, stars=case.rating, comment=text)
    return d.decision()


# --- shared moves -----------------------------------------------------------


def _close(d: _Draft, reason: CloseReason) -> None:
    d.case.status = Status.CLOSED
    d.case.closed_at = d.now
    d.case.close_reason = reason
    d.case.deadlines.clear()
    d.event(EventKind.CLOSED, reason=reason)
    if reason is not CloseReason.NO_RESIDENT:
        d.tell_audience(NoticeKind.CLOSED, reason=reason)


def _reopen(d: _Draft, policy: Policy, reason: EscalationReason) -> None:
    c = d.case
    c.status = Status.REOPENED
    c.acknowledged_by = c.acknowledged_at = c.on_site_at = None
    c.resolved_by = c.resolved_at = c.closed_at = None
    c.resolution_note = None
    c.close_reason = None
    c.confirmed_fixed = None
    c.rating = None
    c.feedback_comment = None
    c.deadlines.clear()
    _start_service_deadlines(d, policy)
    d.event(
        EventKind.REOPENED,
        reason=reason,
        rework=reason is EscalationReason.NOT_FIXED,
        deadlines=_deadline_summary(c),
    )
    d.tell_audience(NoticeKind.REOPENED, reason=reason)


def _mark_repeat(d: _Draft, policy: Policy, reason: EscalationReason, text: str) -> None:
    c = d.case
    c.repeat_count += 1
    target = _repeat_target(c.rung)
    d.event(EventKind.REPEAT_COMPLAINT, reason=reason, count=c.repeat_count, text=text)
    if target is not c.rung:
        below, c.rung = c.rung, target
        d.event(EventKind.ESCALATED, reason=reason, from_role=below, to_role=target)
        d.tell_role(NoticeKind.ESCALATED_AWAY, below, to=target, reason=reason)
        d.tell_audience(NoticeKind.ESCALATED_RESIDENT, to=target, reason=reason)
        if c.status in (Status.NEW, Status.REOPENED):
            _stop(d, DeadlineKind.ACKNOWLEDGE)
            _start_service_deadlines(d, policy, [DeadlineKind.ACKNOWLEDGE])
    d.tell_role(NoticeKind.REPEAT_COMPLAINT, target, reason=reason, count=c.repeat_count, text=text)


def _climb(
    d: _Draft, missed: list[Deadline], reason: EscalationReason, policy: Policy, note: str = ""
) -> None:
    """One rung up, telling the new rung why; at the top, a reminder instead."""
    c = d.case
    overdue = {str(dl.kind): int((d.now - dl.due_at).total_seconds()) for dl in missed}
    above = rung_above(c.rung)
    if above is None:
        for dl in missed:
            _start(d, dl.kind, policy.manager_reminder, policy, warn=False)
        d.event(EventKind.REMINDED, reason=reason, overdue=overdue)
        d.tell_role(NoticeKind.REMINDER, c.rung, reason=reason, overdue=overdue)
        return
    below, c.rung = c.rung, above
    for dl in missed:
        limit = _limit(c, dl.kind, policy) or policy.manager_reminder
        _start(d, dl.kind, limit, policy, warn=True)
    d.event(
        EventKind.ESCALATED,
        reason=reason,
        from_role=below,
        to_role=above,
        overdue=overdue,
        note=note,
    )
    d.tell_role(
        NoticeKind.ESCALATED, above, from_role=below, reason=reason, overdue=overdue, note=note
    )
    d.tell_role(NoticeKind.ESCALATED_AWAY, below, to=above, reason=reason)
    d.tell_audience(NoticeKind.ESCALATED_RESIDENT, to=above, reason=reason)


def _warn(d: _Draft, deadlines: list[Deadline]) -> None:
    """One message for every deadline nearing its end, to the rung and to
    whoever took the job."""
    due = {str(dl.kind): dl.due_at for dl in deadlines}
    for dl in deadlines:
        d.event(EventKind.WARNED, deadline=dl.kind, due_at=dl.due_at.isoformat())
    d.tell_role(NoticeKind.WARNING, d.case.rung, due=due)
    if d.case.acknowledged_by is not None:
        d.tell_user(NoticeKind.WARNING, d.case.acknowledged_by, due=due)


_MISSED_REASON = {
    DeadlineKind.ACKNOWLEDGE: EscalationReason.ACKNOWLEDGE_MISSED,
    DeadlineKind.ON_SITE: EscalationReason.ON_SITE_MISSED,
    DeadlineKind.RESOLVE: EscalationReason.RESOLVE_MISSED,
}


def tick(case: Case, now: datetime, policy: Policy) -> Decision | None:
    """Fire whatever of this case's timers has come due by `now`.

    Several deadlines missed at once (the bot was down, or an urgent repair
    neither acknowledged nor attended) climb one rung together, not one rung
    each. Returns None when nothing was due.
    """
    d = _Draft(case, now, None)
    due = sorted(
        (dl for dl in d.case.deadlines.values() if dl.next_at() <= now), key=lambda dl: dl.next_at()
    )
    missed: list[Deadline] = []
    warned: list[Deadline] = []
    for dl in due:
        if dl.kind in SERVICE_DEADLINES:
            dl.warned = True
            (missed if now >= dl.due_at else warned).append(dl)
        elif dl.kind is DeadlineKind.FEEDBACK_REMINDER:
            _stop(d, dl.kind)
            if DeadlineKind.FEEDBACK_CLOSE in {later.kind for later in due}:
                continue  # no point reminding about a question about to lapse
            d.event(EventKind.FEEDBACK_REMINDED)
            d.tell_audience(NoticeKind.FEEDBACK_REMINDER)
        elif dl.kind is DeadlineKind.FEEDBACK_CLOSE:
            _close(d, CloseReason.FEEDBACK if d.case.confirmed_fixed else CloseReason.NO_FEEDBACK)
    if warned:
        _warn(d, warned)
    if missed:
        _climb(d, missed, _MISSED_REASON[missed[0].kind], policy)
    if not d.events:
        return None
    return d.decision()
