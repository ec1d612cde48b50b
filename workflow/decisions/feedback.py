"""The resident's side: cancel, add information, complain again, and the
feedback that closes the loop."""

from __future__ import annotations

from datetime import datetime

from workflow import commands as cmd
from workflow.decisions import guards
from workflow.decisions.shared import (
    POOR_RATING,
    Decision,
    Draft,
    check_media,
    clean_text,
    close,
    mark_repeat,
    reopen,
)
from workflow.errors import InvalidCommand
from workflow.model import Case, CloseReason, EscalationReason, EventKind, Status
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import Role


def cancel(case: Case, c: cmd.Cancel, now: datetime, policy: Policy) -> Decision:
    guards.check_cancel(case, c.actor)
    d = Draft(case, now, c.actor)
    d.case.status = Status.CANCELLED
    d.case.deadlines.clear()
    d.event(EventKind.CANCELLED, reason=clean_text(c.reason, required=False, what="reason"))
    d.tell_role(NoticeKind.CANCELLED, d.case.rung)
    d.tell_followers(NoticeKind.CANCELLED)  # those who reported the same problem
    return d.decision()


def add_info(case: Case, c: cmd.AddInfo, now: datetime, policy: Policy) -> Decision:
    guards.check_add_info(case, c.actor)
    text = clean_text(c.text, required=not c.attachments, what="text")
    check_media(case.attachments, c.attachments)
    d = Draft(case, now, c.actor)
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
    guards.check_complain_again(case, c.actor, now, policy)
    text = clean_text(c.text, required=False, what="text")
    d = Draft(case, now, c.actor)
    if not case.is_open:
        reopen(d, policy, EscalationReason.REPEAT_COMPLAINT)
    mark_repeat(d, policy, EscalationReason.REPEAT_COMPLAINT, text)
    return d.decision()


def confirm_fixed(case: Case, c: cmd.ConfirmFixed, now: datetime, policy: Policy) -> Decision:
    guards.check_confirm(case, c.actor)
    d = Draft(case, now, c.actor)
    d.event(EventKind.CONFIRMED, fixed=c.fixed)
    if c.fixed:
        d.case.confirmed_fixed = True
        return d.decision()
    d.case.rework_count += 1
    reopen(d, policy, EscalationReason.NOT_FIXED)
    mark_repeat(d, policy, EscalationReason.NOT_FIXED, "")
    return d.decision()


def rate(case: Case, c: cmd.Rate, now: datetime, policy: Policy) -> Decision:
    guards.check_feedback_giver(case, c.actor, "rate")
    if not 1 <= c.stars <= 5:
        raise InvalidCommand("a rating is 1 to 5 stars", field="stars")
    guards.check_rate(case, c.actor)
    d = Draft(case, now, c.actor)
    if case.confirmed_fixed is None:
        # Help from a guard is rated with one tap: the rating is the confirmation.
        d.case.confirmed_fixed = True
        d.event(EventKind.CONFIRMED, fixed=True)
    d.case.rating = c.stars
    d.event(EventKind.RATED, stars=c.stars)
    if c.stars <= POOR_RATING:
        d.tell_role(NoticeKind.POOR_RATING, Role.CS_SUPERVISOR, stars=c.stars)
    # The rating closes the case while a comment is still asked for: the resident
    # is thanked once, after that last step (handlers/feedback.py), not now.
    close(d, CloseReason.FEEDBACK, reporter_told=True)
    return d.decision()


def comment(case: Case, c: cmd.Comment, now: datetime, policy: Policy) -> Decision:
    guards.check_comment(case, c.actor)
    text = clean_text(c.text, required=True, what="comment")
    d = Draft(case, now, c.actor)
    d.case.feedback_comment = text
    d.event(EventKind.COMMENTED, text=text)
    if case.rating is not None and case.rating <= POOR_RATING:
        d.tell_role(NoticeKind.POOR_RATING, Role.CS_SUPERVISOR, stars=case.rating, comment=text)
    return d.decision()
