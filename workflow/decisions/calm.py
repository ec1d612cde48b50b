"""Calm: when each notification of a decision may be said.

- A case that runs in service time tells a staff role nothing while the role
  is out of its hours: the card, an escalation, a reminder wait for the start
  of its next service period. The front desk's record (its INFORMED line and
  its feed) goes at once.
- A case that runs on the clock (critical, an urgent repair, what the estate
  marks 24/7) is said at once, to everyone.
- Residents' quiet hours (default 22:00-08:00): a resident hears at once only
  the answers to their own actions and news of a case on the clock; anything
  else (an acknowledgement, a feedback request or reminder) waits for the end
  of the quiet hours.

What waits is kept with its case (`Case.held`) under one `held` deadline, so
the one periodic sweep releases it; nothing is lost if the bot is down.
"""

from __future__ import annotations

from datetime import datetime

from workflow.decisions.shared import Decision, Draft
from workflow.model import Case, Deadline, DeadlineKind, Held
from workflow.notifications import NoticeKind, Notification
from workflow.policy import Policy
from workflow.roles import Role

# Said at once to the front desk, whatever the hour: the desk's record.
RECORD = frozenset({NoticeKind.INFORMED, NoticeKind.CHANGED})
# What a duty holder is told privately, out of hours, of a case on the clock.
DUTY_NOTICES = frozenset(
    {
        NoticeKind.NEW_CASE,
        NoticeKind.ESCALATED,
        NoticeKind.REMINDER,
        NoticeKind.WARNING,
        NoticeKind.RESIDENT_CONTACT,
    }
)
# Held staff notices that are dropped on release once they no longer apply.
CARD_NOTICES = frozenset(
    {NoticeKind.NEW_CASE, NoticeKind.ESCALATED, NoticeKind.REMINDER, NoticeKind.WARNING}
)


def on_the_clock(case: Case, policy: Policy) -> bool:
    return policy.hours.on_the_clock(case.category, case.severity, case.urgency)


def say_at(
    n: Notification, case: Case, now: datetime, policy: Policy, actors: frozenset[int]
) -> datetime:
    """When `n` may be said: `now`, or later."""
    hours = policy.hours
    if n.user_id is not None:
        resident = n.user_id in case.audience()
        if not resident or n.user_id in actors or on_the_clock(case, policy):
            return now
        return hours.after_quiet(now)
    assert n.role is not None
    if on_the_clock(case, policy) or (n.role is Role.FRONT_DESK and n.kind in RECORD):
        return now
    return hours.role_calendar(n.role).next_open(now)


def with_duty(decision: Decision, now: datetime, policy: Policy) -> list[Notification]:
    """Out of hours, what a case on the clock tells a rung goes to the rung's
    duty holder privately as well (workflow/hours.py: the duty ladder)."""
    cases = {c.id: c for c in decision.cases}
    out = list(decision.notifications)
    told = {(n.case_id, n.kind, n.user_id) for n in out if n.user_id is not None}
    for n in decision.notifications:
        case = cases.get(n.case_id)
        if n.role is None or n.kind not in DUTY_NOTICES or case is None:
            continue
        if not on_the_clock(case, policy):
            continue
        for holder in policy.hours.duty_for(n.role, now):
            if (n.case_id, n.kind, holder) not in told:
                told.add((n.case_id, n.kind, holder))
                out.append(Notification(n.kind, n.case_id, n.ref, user_id=holder, params=n.params))
    return out


def calm(decision: Decision, now: datetime, policy: Policy) -> Decision:
    """The decision with what must wait moved into its cases' `held` lists,
    and the duty holders told of what runs on the clock out of hours."""
    cases = {c.id: c for c in decision.cases}
    actors = frozenset(e.actor_id for e in decision.events if e.actor_id is not None)
    now_list: list[Notification] = []
    for n in with_duty(decision, now, policy):
        case = cases.get(n.case_id)
        at = say_at(n, case, now, policy, actors) if case is not None else now
        if case is not None and at > now:
            case.held.append(Held(at, n))
        else:
            now_list.append(n)
    for case in decision.cases:
        sync_held(case, now)
    return Decision(decision.cases, decision.events, now_list)


def sync_held(case: Case, now: datetime) -> None:
    """One `held` deadline at the earliest held notification, or none."""
    if case.held:
        first = min(h.at for h in case.held)
        case.deadlines[DeadlineKind.HELD] = Deadline(DeadlineKind.HELD, now, first)
    else:
        case.deadlines.pop(DeadlineKind.HELD, None)


def release(d: Draft) -> None:
    """Say what has waited long enough; a card for a rung that no longer holds
    the case (it moved, or closed) is dropped."""
    c = d.case
    due = [h for h in c.held if h.at <= d.now]
    c.held = [h for h in c.held if h.at > d.now]
    for h in sorted(due, key=lambda h: h.at):
        n = h.notification
        stale = n.role is not None and (
            (n.kind in CARD_NOTICES and (not c.is_open or n.role is not c.rung))
            or (n.kind is NoticeKind.RESIDENT_CONTACT and not c.is_open)
        )
        if not stale:
            d.notifications.append(n)
    sync_held(c, d.now)
