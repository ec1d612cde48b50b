"""What staff do to a case from its card: take it, go there, resolve it,
send it where it belongs, merge a duplicate, write to the resident."""

from __future__ import annotations

from datetime import datetime

from workflow import commands as cmd
from workflow.decisions import guards
from workflow.decisions.shared import (
    Decision,
    Draft,
    clean_text,
    close,
    deadline_summary,
    start_deadline,
    start_service_deadlines,
    stop,
)
from workflow.errors import InvalidCommand
from workflow.model import (
    OPEN_STATUSES,
    SERVICE_DEADLINES,
    Case,
    Category,
    CloseReason,
    DeadlineKind,
    EventKind,
    Severity,
    Status,
    Urgency,
)
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import Role
from workflow.routing import team_of


def acknowledge(case: Case, c: cmd.Acknowledge, now: datetime, policy: Policy) -> Decision:
    guards.check_acknowledge(case, c.actor)
    d = Draft(case, now, c.actor)
    take_job(d)
    return d.decision()


def take_job(d: Draft) -> None:
    d.case.status = Status.ACKNOWLEDGED
    d.case.acknowledged_by = d.actor_id
    d.case.acknowledged_at = d.now
    stop(d, DeadlineKind.ACKNOWLEDGE)
    d.event(EventKind.ACKNOWLEDGED, rung=d.case.rung)
    d.tell_audience(NoticeKind.ACKNOWLEDGED, by=d.actor_id)


def mark_on_site(case: Case, c: cmd.MarkOnSite, now: datetime, policy: Policy) -> Decision:
    """Arriving on site implies taking the job, so a new case is acknowledged
    on the way."""
    guards.check_on_site(case, c.actor)
    d = Draft(case, now, c.actor)
    if case.status is not Status.ACKNOWLEDGED:
        take_job(d)
    d.case.status = Status.ON_SITE
    d.case.on_site_at = now
    stop(d, DeadlineKind.ON_SITE)
    d.event(EventKind.ON_SITE)
    d.tell_audience(NoticeKind.ON_SITE, by=c.actor.user_id)
    return d.decision()


def record_resident_contacted(
    case: Case, c: cmd.RecordResidentContacted, now: datetime, policy: Policy
) -> Decision:
    guards.check_contacted(case, c.actor)
    d = Draft(case, now, c.actor)
    d.case.resident_contacted_at = now
    d.event(EventKind.RESIDENT_CONTACTED)
    return d.decision()


def resolve(case: Case, c: cmd.Resolve, now: datetime, policy: Policy) -> Decision:
    guards.check_resolve(case, c.actor)
    note = clean_text(c.note, required=False, what="note")
    d = Draft(case, now, c.actor)
    d.case.resolved_by = c.actor.user_id
    d.case.resolved_at = now
    d.case.resolution_note = note
    d.case.attachments.extend(c.attachments)
    stop(d, *SERVICE_DEADLINES)
    d.event(EventKind.RESOLVED, note=note, attachments=list(c.attachments))
    if case.repeat_count:
        d.tell_role(
            NoticeKind.RESULT_REPORT, Role.MANAGER, note=note, repeat_count=case.repeat_count
        )
    if d.case.has_resident:
        d.case.status = Status.RESOLVED
        start_deadline(
            d, DeadlineKind.FEEDBACK_REMINDER, policy.feedback_reminder, policy, warn=False
        )
        start_deadline(d, DeadlineKind.FEEDBACK_CLOSE, policy.feedback_close, policy, warn=False)
        d.tell_audience(NoticeKind.RESOLVED, note=note, attachments=list(c.attachments))
    else:
        d.case.status = Status.RESOLVED
        close(d, CloseReason.NO_RESIDENT)
    return d.decision()


def reclassify(case: Case, c: cmd.Reclassify, now: datetime, policy: Policy) -> Decision:
    """Send a case to the team it really belongs to; that team starts afresh."""
    guards.check_reclassify(case, c.actor)
    if c.category is Category.SITE_CONDITION:
        raise InvalidCommand("a case cannot be reclassified as a site condition", field="category")
    severity = Severity.GENERAL if c.category is Category.ASSISTANCE else c.severity
    route = policy.routing.route_for(c.category, severity, c.about_team)
    guards.check_routing(case, c.category, c.about_team, route)
    d = Draft(case, now, c.actor)
    before = (case.category, case.severity, case.rung)
    d.case.category = c.category
    d.case.severity = severity
    d.case.urgency = (c.urgency or Urgency.NORMAL) if c.category is Category.REPAIR else None
    d.case.about_team = c.about_team
    d.case.about_guards = case.about_guards or guards.about_guards(c.category, c.about_team)
    d.case.first_handler = d.case.rung = route.handler
    d.case.informed = [r for r in route.informed if r is not route.handler]
    if case.status is Status.ACKNOWLEDGED:
        d.case.status = Status.NEW
    d.case.acknowledged_by = d.case.acknowledged_at = None
    stop(d, *SERVICE_DEADLINES)
    start_service_deadlines(d, policy)
    d.event(
        EventKind.RECLASSIFIED,
        from_category=before[0],
        from_severity=before[1],
        category=d.case.category,
        severity=d.case.severity,
        urgency=d.case.urgency,
        team=team_of(d.case.category),
        handler=route.handler,
        deadlines=deadline_summary(d.case),
    )
    if before[2] is not route.handler:
        d.tell_role(NoticeKind.RECLASSIFIED, before[2], to=route.handler)
        d.tell_role(NoticeKind.NEW_CASE, route.handler, rung=route.handler, repeat_of=None)
    else:
        # The same rung keeps it: its card is redrawn in place (one card, its
        # photos once), and a line under it says the case was reclassified.
        d.tell_role(NoticeKind.RECLASSIFIED, route.handler, to=route.handler)
    for role in d.case.informed:
        if role is Role.FRONT_DESK and Role.FRONT_DESK in c.actor.roles:
            continue  # the desk sorted it: its line says so (handlers/staff_actions.py)
        d.tell_role(NoticeKind.INFORMED, role, rung=route.handler, repeat_of=None)
    return d.decision()


def merge(duplicate: Case, primary: Case, c: cmd.Merge, now: datetime, policy: Policy) -> Decision:
    """Close a duplicate into its primary; the duplicate's reporter then hears
    about the primary case."""
    guards.check_merge(duplicate, c.actor)
    if duplicate.id == primary.id:
        raise InvalidCommand("a case cannot be merged into itself", field="into")
    guards.require_status(primary, OPEN_STATUSES | {Status.RESOLVED}, "merge into")
    dup = Draft(duplicate, now, c.actor)
    prim = Draft(primary, now, c.actor)
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
    guards.check_return(case, c.actor)
    d = Draft(case, now, c.actor)
    before = case.rung
    d.case.rung = d.case.first_handler = Role.FRONT_DESK
    if case.status is Status.ACKNOWLEDGED:
        d.case.status = Status.NEW
    d.case.acknowledged_by = d.case.acknowledged_at = None
    stop(d, *SERVICE_DEADLINES)
    start_service_deadlines(d, policy, [DeadlineKind.ACKNOWLEDGE])
    reason = clean_text(c.reason, required=False, what="reason")
    d.event(EventKind.RETURNED, reason=reason or None, from_role=before)
    d.tell_role(NoticeKind.RETURNED, Role.FRONT_DESK, from_role=before, note=reason)
    d.tell_role(NoticeKind.NEW_CASE, Role.FRONT_DESK, rung=Role.FRONT_DESK, repeat_of=None)
    return d.decision()


def message_resident(case: Case, c: cmd.MessageResident, now: datetime, policy: Policy) -> Decision:
    """The office writes to the resident about their case, through the bot."""
    guards.check_message_resident(case, c.actor)
    text = clean_text(c.text, required=True, what="text")
    d = Draft(case, now, c.actor)
    d.event(EventKind.MESSAGED, text=text)
    d.tell_audience(NoticeKind.RELAYED, text=text, by=c.actor.user_id)
    return d.decision()


def dismiss(case: Case, c: cmd.Dismiss, now: datetime, policy: Policy) -> Decision:
    """The front desk judges a guard's site report needs no action."""
    guards.check_dismiss(case, c.actor)
    d = Draft(case, now, c.actor)
    d.event(EventKind.DISMISSED, reason=clean_text(c.reason, required=False, what="reason"))
    d.case.status = Status.RESOLVED
    d.case.resolved_by = c.actor.user_id
    d.case.resolved_at = now
    close(d, CloseReason.NO_ACTION)
    return d.decision()
