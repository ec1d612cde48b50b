"""The case aggregate and the vocabulary it is written in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflow.notifications import Notification
from workflow.roles import Role


class Category(StrEnum):
    REPAIR = "repair"
    REPAIR_COMPLAINT = "repair_complaint"
    CLEANING = "cleaning"
    SECURITY = "security"
    MANAGEMENT = "management"
    ASSISTANCE = "assistance"
    SITE_CONDITION = "site_condition"


class Severity(StrEnum):
    GENERAL = "general"
    MAJOR = "major"
    CRITICAL = "critical"


class Urgency(StrEnum):
    """Only repairs carry one; it sets the on-site deadline."""

    URGENT = "urgent"
    NORMAL = "normal"


class Team(StrEnum):
    """The department a case belongs to, for figures and management complaints."""

    REPAIR = "repair"
    CLEANING = "cleaning"
    SECURITY = "security"
    SERVICE = "service"
    GUARDS = "guards"
    FRONT_DESK = "front_desk"


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ON_SITE = "on_site"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    MERGED = "merged"


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.ON_SITE, Status.REOPENED})
FINAL_STATUSES = frozenset({Status.CANCELLED, Status.MERGED})


class ReporterKind(StrEnum):
    RESIDENT = "resident"
    GUARD = "guard"
    STAFF = "staff"


class DeadlineKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ON_SITE = "on_site"
    RESOLVE = "resolve"
    FEEDBACK_REMINDER = "feedback_reminder"
    FEEDBACK_CLOSE = "feedback_close"
    HELD = "held"  # notifications waiting for a team's hours or the end of quiet hours


SERVICE_DEADLINES = (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ON_SITE, DeadlineKind.RESOLVE)


class EventKind(StrEnum):
    FILED = "filed"
    ACKNOWLEDGED = "acknowledged"
    ON_SITE = "on_site"
    RESIDENT_CONTACTED = "resident_contacted"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    MERGED = "merged"
    ESCALATED = "escalated"
    WARNED = "warned"
    REMINDED = "reminded"
    RECLASSIFIED = "reclassified"
    RETURNED = "returned"  # sent back to the front desk to be classified again
    MESSAGED = "messaged"  # staff wrote to the resident through the bot
    DISMISSED = "dismissed"  # a site report needing no action
    REPEAT_COMPLAINT = "repeat_complaint"
    INFO_ADDED = "info_added"
    CONFIRMED = "confirmed"
    RATED = "rated"
    COMMENTED = "commented"
    FEEDBACK_REMINDED = "feedback_reminded"


class EscalationReason(StrEnum):
    ACKNOWLEDGE_MISSED = "acknowledge_missed"
    ON_SITE_MISSED = "on_site_missed"
    RESOLVE_MISSED = "resolve_missed"
    REPEAT_COMPLAINT = "repeat_complaint"
    NOT_FIXED = "not_fixed"
    MANUAL = "manual"
    NO_GUARD_ON_DUTY = "no_guard_on_duty"
    UNSEEN_RUNG = "unseen_rung"  # nobody could see the rung: no bound group, no holder


class CloseReason(StrEnum):
    FEEDBACK = "feedback"
    NO_FEEDBACK = "no_feedback"
    NO_RESIDENT = "no_resident"
    NO_ACTION = "no_action"  # a site report the front desk judged needs nothing


@dataclass(frozen=True)
class Location:
    """Either the reporter's own unit or a spot in a common area."""

    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    area: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Actor:
    """Whoever issues a command: a Telegram user with the roles they hold,
    or the system itself (timers) with user_id None."""

    user_id: int | None
    roles: frozenset[Role] = frozenset()

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None)

    def holds(self, role: Role) -> bool:
        return role in self.roles


@dataclass
class Deadline:
    """One running timer of a case. `warned` records that the 80 % warning
    went out, so neither the warning nor the deadline ever fires twice."""

    kind: DeadlineKind
    started_at: datetime
    due_at: datetime
    warn_at: datetime | None = None
    warned: bool = False
    reminders: int = 0  # top-rung reminders sent in a row in this service period

    def next_at(self) -> datetime:
        if self.warn_at is not None and not self.warned:
            return self.warn_at
        return self.due_at


@dataclass(frozen=True)
class Held:
    """A notification kept with its case until `at`: a team's card before it
    starts, a resident's news after their quiet hours."""

    at: datetime
    notification: Notification


@dataclass
class Case:
    id: int
    ref: str
    category: Category
    severity: Severity
    urgency: Urgency | None
    location: Location
    description: str
    reporter_id: int | None
    reporter_kind: ReporterKind
    created_at: datetime
    status: Status = Status.NEW
    rung: Role = Role.FRONT_DESK
    first_handler: Role = Role.FRONT_DESK
    informed: list[Role] = field(default_factory=list)
    about_team: Team | None = None
    # Once a complaint about the guards, always one: whatever it is reclassified
    # into, it never reaches a guard (workflow/decisions/guards.py check_routing).
    about_guards: bool = False
    reporter_unit: Location | None = None
    attachments: list[str] = field(default_factory=list)
    deadlines: dict[DeadlineKind, Deadline] = field(default_factory=dict)
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    on_site_at: datetime | None = None
    resident_contacted_at: datetime | None = None
    resolved_by: int | None = None
    resolved_at: datetime | None = None
    resolution_note: str | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    confirmed_fixed: bool | None = None
    rating: int | None = None
    feedback_comment: str | None = None
    repeat_of: int | None = None
    repeat_count: int = 0
    rework_count: int = 0
    merged_into: int | None = None
    followers: list[int] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)  # said later (workflow/decisions/calm.py)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_resident(self) -> bool:
        return self.reporter_kind is ReporterKind.RESIDENT and self.reporter_id is not None

    def audience(self) -> list[int]:
        """Residents who hear about this case: the reporter and anyone whose
        duplicate was merged into it."""
        people = [self.reporter_id] if self.has_resident and self.reporter_id else []
        return people + [f for f in self.followers if f not in people]


@dataclass(frozen=True)
class Event:
    """One line of the append-only log: who did what to which case, when, why."""

    case_id: int
    kind: EventKind
    at: datetime
    actor_id: int | None = None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
