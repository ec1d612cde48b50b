"""A case climbing the ladder: by hand, or when its deadlines pass."""

from __future__ import annotations

from datetime import datetime

from workflow import commands as cmd
from workflow.decisions import guards
from workflow.decisions.calm import release
from workflow.decisions.shared import (
    Decision,
    Draft,
    clean_text,
    close,
    limit_for,
    start_deadline,
    stop,
)
from workflow.model import (
    SERVICE_DEADLINES,
    Case,
    CloseReason,
    Deadline,
    DeadlineKind,
    EscalationReason,
    EventKind,
)
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import rung_above


def escalate(case: Case, c: cmd.Escalate, now: datetime, policy: Policy) -> Decision:
    guards.check_escalate(case, c.actor)
    d = Draft(case, now, c.actor)
    climb(
        d,
        [],
        EscalationReason.MANUAL,
        policy,
        note=clean_text(c.reason, required=False, what="reason"),
    )
    return d.decision()


def climb(
    d: Draft, missed: list[Deadline], reason: EscalationReason, policy: Policy, note: str = ""
) -> None:
    """One rung up, telling the new rung why; at the top, a reminder instead."""
    c = d.case
    overdue = {str(dl.kind): int((d.now - dl.due_at).total_seconds()) for dl in missed}
    above = rung_above(c.rung)
    if above is None:
        for dl in missed:
            remind_again(d, dl, policy)
        d.event(EventKind.REMINDED, reason=reason, overdue=overdue)
        d.tell_role(NoticeKind.REMINDER, c.rung, reason=reason, overdue=overdue)
        return
    below, c.rung = c.rung, above
    for dl in missed:
        limit = limit_for(c, dl.kind, policy) or policy.manager_reminder
        start_deadline(d, dl.kind, limit, policy, warn=True)
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


def remind_again(d: Draft, missed: Deadline, policy: Policy) -> None:
    """The next reminder at the top rung: every `manager_reminder` of service
    time, at most `reminders_at_most` in a row, then once at the start of the
    rung's next service period, where the count starts afresh."""
    start_deadline(d, missed.kind, policy.manager_reminder, policy, warn=False)
    cap = policy.hours.reminders_at_most
    calendar = policy.hours.role_calendar(d.case.rung)
    count = missed.reminders + 1
    again = d.case.deadlines[missed.kind]
    if cap and not calendar.around_the_clock and count >= cap:
        later = calendar.next_period(d.now)
        again.started_at, again.due_at, again.reminders = d.now, max(later, again.due_at), 0
    else:
        again.reminders = count


def warn(d: Draft, deadlines: list[Deadline]) -> None:
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
    d = Draft(case, now, None)
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
            stop(d, dl.kind)
            if DeadlineKind.FEEDBACK_CLOSE in {later.kind for later in due}:
                continue  # no point reminding about a question about to lapse
            d.event(EventKind.FEEDBACK_REMINDED)
            d.tell_reporter(NoticeKind.FEEDBACK_REMINDER)  # feedback is the reporter's
        elif dl.kind is DeadlineKind.FEEDBACK_CLOSE:
            close(d, CloseReason.FEEDBACK if d.case.confirmed_fixed else CloseReason.NO_FEEDBACK)
        elif dl.kind is DeadlineKind.HELD:
            release(d)
    if warned:
        warn(d, warned)
    if missed:
        climb(d, missed, _MISSED_REASON[missed[0].kind], policy)
    if not d.events and not d.notifications and DeadlineKind.HELD not in {dl.kind for dl in due}:
        return None
    return d.decision()
