"""What every decision shares: the `Decision` it returns, the working copy
of a case while one is made, and the moves several steps make (deadlines,
closing, reopening, a repeat complaint)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflow.errors import InvalidCommand
from workflow.model import (
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
    Status,
)
from workflow.notifications import NoticeKind, Notification
from workflow.policy import Policy
from workflow.roles import Role, is_at_or_above
from workflow.service_calendar import AROUND_THE_CLOCK

MAX_TEXT = 4000
POOR_RATING = 2
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
# Said on the desk's line when the desk did it. A dismissed site report keeps its
# feed line ("no action needed and closed"): its card is redrawn after it.
_SORTING = frozenset({EventKind.RECLASSIFIED, EventKind.MERGED})


@dataclass
class Decision:
    cases: list[Case]
    events: list[Event] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def case(self) -> Case:
        return self.cases[0]


class Draft:
    """The working copy of one case while a decision is being made."""

    def __init__(self, case: Case, now: datetime, actor: Actor | None) -> None:
        self.case = copy.deepcopy(case)
        self.rung_before = case.rung
        self.now = now
        self.actor_id = actor.user_id if actor else None
        self.by_front_desk = actor is not None and Role.FRONT_DESK in actor.roles
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

    def tell_reporter(self, kind: NoticeKind, **params: Any) -> None:
        """Only the resident who filed it (a question only they may answer)."""
        if self.case.has_resident and self.case.reporter_id is not None:
            self.tell_user(kind, self.case.reporter_id, **params)

    def tell_followers(self, kind: NoticeKind, **params: Any) -> None:
        """The residents following the case, not its reporter."""
        for user_id in self.case.audience():
            if user_id != self.case.reporter_id:
                self.tell_user(kind, user_id, **params)

    def decision(self, *others: Case) -> Decision:
        self.contact_for_manager()
        self.feed_front_desk()
        return Decision([self.case, *others], self.events, self.notifications)

    def contact_for_manager(self) -> None:
        """Whenever a case reaches the manager, the manager gets the resident's
        contact: they must go on site and talk to the resident in person."""
        reached = self.rung_before is not Role.MANAGER and self.case.rung is Role.MANAGER
        told = any(
            n.kind is NoticeKind.RESIDENT_CONTACT and n.role is Role.MANAGER
            for n in self.notifications
        )
        if reached and self.case.has_resident and not told:
            self.tell_role(NoticeKind.RESIDENT_CONTACT, Role.MANAGER)

    def feed_front_desk(self) -> None:
        """The front desk sees every change: those it was not told of directly
        reach it as a line in its feed."""
        told = any(n.role is Role.FRONT_DESK for n in self.notifications)
        # What the desk sorted itself is said on the line it sorted it from.
        quiet = _NOT_A_CHANGE | (_SORTING if self.by_front_desk else frozenset())
        changes = [str(e.kind) for e in self.events if e.kind not in quiet]
        if changes and not told:
            self.tell_role(
                NoticeKind.CHANGED,
                Role.FRONT_DESK,
                events=changes,
                by=self.actor_id,
                to=self.case.rung,  # who holds it now, as the line says
            )


# What one case may carry, photos and voice notes counted over its whole life
# (filed with it, added later): a group is not flooded with one case's media.
MAX_PHOTOS = 5
MAX_VOICE_NOTES = 3
PHOTO_PREFIX, VOICE_PREFIX = "photo:", "voice:"


def media_counts(attachments: Iterable[str]) -> tuple[int, int]:
    """How many photos and voice notes these attachments are."""
    items = list(attachments)
    return (
        sum(a.startswith(PHOTO_PREFIX) for a in items),
        sum(a.startswith(VOICE_PREFIX) for a in items),
    )


def check_media(existing: Iterable[str], added: Iterable[str]) -> None:
    """Refuse attachments beyond a case's photos and voice notes."""
    photos, voices = media_counts([*existing, *added])
    if photos > MAX_PHOTOS:
        raise InvalidCommand(
            "too many photos", field="attachments", limit=MAX_PHOTOS, media="photos"
        )
    if voices > MAX_VOICE_NOTES:
        raise InvalidCommand(
            "too many voice notes", field="attachments", limit=MAX_VOICE_NOTES, media="voice"
        )


def clean_text(text: str, *, required: bool, what: str) -> str:
    text = text.strip()
    if required and not text:
        raise InvalidCommand(f"{what} is empty", field=what)
    if len(text) > MAX_TEXT:
        raise InvalidCommand(f"{what} is longer than {MAX_TEXT} characters", field=what)
    return text


# --- deadlines ------------------------------------------------------------


def limit_for(case: Case, kind: DeadlineKind, policy: Policy) -> timedelta | None:
    return policy.deadlines.for_case(case.category, case.severity, case.urgency).get(kind)


def start_deadline(
    d: Draft, kind: DeadlineKind, limit: timedelta, policy: Policy, warn: bool
) -> None:
    """A service deadline runs in the service time of whoever holds the case
    (workflow/hours.py), unless the case runs on the clock; the warning comes
    at `warn_fraction` of that service time. Feedback timers run on the clock."""
    calendar = policy.hours.calendar_for(d.case) if kind in SERVICE_DEADLINES else AROUND_THE_CLOCK
    warn_at = calendar.add(d.now, limit * policy.warn_fraction) if warn else None
    d.case.deadlines[kind] = Deadline(kind, d.now, calendar.add(d.now, limit), warn_at)


def start_service_deadlines(
    d: Draft, policy: Policy, kinds: Iterable[DeadlineKind] = SERVICE_DEADLINES
) -> None:
    for kind in kinds:
        limit = limit_for(d.case, kind, policy)
        if limit is not None:
            start_deadline(d, kind, limit, policy, warn=True)


def promise(case: Case, now: datetime, policy: Policy) -> dict[str, Any]:
    """The honest promise a confirmation makes: when the rung starts work, if it
    is not working now, and by when it will acknowledge."""
    ack = case.deadlines[DeadlineKind.ACKNOWLEDGE]
    starts = policy.hours.calendar_for(case).next_open(now)
    return {
        "starts_at": starts if starts > now else None,
        "acknowledge_by": ack.due_at,
        "acknowledge_within": ack.due_at - now,
    }


def stop(d: Draft, *kinds: DeadlineKind) -> None:
    for kind in kinds:
        d.case.deadlines.pop(kind, None)


def deadline_summary(case: Case) -> dict[str, str]:
    return {str(k): dl.due_at.isoformat() for k, dl in case.deadlines.items()}


# --- shared moves -----------------------------------------------------------


def repeat_target(rung: Role) -> Role:
    """A repeat complaint goes to the cs supervisor; one that the cs supervisor
    already coordinated goes to the manager."""
    return Role.MANAGER if is_at_or_above(rung, Role.CS_SUPERVISOR) else Role.CS_SUPERVISOR


def close(d: Draft, reason: CloseReason, *, reporter_told: bool = False) -> None:
    """Close the case and tell its residents; `reporter_told` when the reporter is
    in the middle of giving feedback and is thanked once, after its last step."""
    d.case.status = Status.CLOSED
    d.case.closed_at = d.now
    d.case.close_reason = reason
    d.case.deadlines.clear()
    d.event(EventKind.CLOSED, reason=reason)
    if reason is CloseReason.NO_RESIDENT:
        return
    if reporter_told:
        d.tell_followers(NoticeKind.CLOSED, reason=reason)
    else:
        d.tell_audience(NoticeKind.CLOSED, reason=reason)


def reopen(d: Draft, policy: Policy, reason: EscalationReason) -> None:
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
    start_service_deadlines(d, policy)
    d.event(
        EventKind.REOPENED,
        reason=reason,
        rework=reason is EscalationReason.NOT_FIXED,
        deadlines=deadline_summary(c),
    )
    d.tell_audience(NoticeKind.REOPENED, reason=reason)


def mark_repeat(d: Draft, policy: Policy, reason: EscalationReason, text: str) -> None:
    c = d.case
    c.repeat_count += 1
    target = repeat_target(c.rung)
    d.event(EventKind.REPEAT_COMPLAINT, reason=reason, count=c.repeat_count, text=text)
    if target is not c.rung:
        below, c.rung = c.rung, target
        d.event(EventKind.ESCALATED, reason=reason, from_role=below, to_role=target)
        d.tell_role(NoticeKind.ESCALATED_AWAY, below, to=target, reason=reason)
        d.tell_audience(NoticeKind.ESCALATED_RESIDENT, to=target, reason=reason)
        if c.status in (Status.NEW, Status.REOPENED):
            stop(d, DeadlineKind.ACKNOWLEDGE)
            start_service_deadlines(d, policy, [DeadlineKind.ACKNOWLEDGE])
    d.tell_role(NoticeKind.REPEAT_COMPLAINT, target, reason=reason, count=c.repeat_count, text=text)
