"""What the core wants said, to whom. The shell decides how it looks
(language, buttons, which chat a role lives in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from workflow.roles import Role


class NoticeKind(StrEnum):
    NEW_CASE = "new_case"  # the handling rung: a case card to act on
    INFORMED = "informed"  # roles told for the record (front desk, cs supervisor…)
    FILED = "filed"  # the reporter: reference, who was told, what to expect
    ACKNOWLEDGED = "acknowledged"
    ON_SITE = "on_site"
    RESOLVED = "resolved"  # the resident: result, and the callback questions
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    MERGED = "merged"
    RECLASSIFIED = "reclassified"
    ESCALATED = "escalated"  # the new rung, with the reason
    ESCALATED_AWAY = "escalated_away"  # the rung below: your card moved up
    ESCALATED_RESIDENT = "escalated_resident"  # said plainly to the resident
    WARNING = "warning"  # 80 % of a deadline has gone
    REMINDER = "reminder"  # the top rung, every interval until done
    FEEDBACK_REMINDER = "feedback_reminder"
    POOR_RATING = "poor_rating"  # the cs supervisor follows it up
    REPEAT_COMPLAINT = "repeat_complaint"
    RUNG_SKIPPED = "rung_skipped"  # an admin: a case passed a rung nobody can see
    RESULT_REPORT = "result_report"  # repeat cases: the result goes to the manager
    INFO_ADDED = "info_added"
    RETURNED = "returned"  # the front desk: classify this case again
    RELAYED = "relayed"  # the resident: a message from the office about their case
    RESIDENT_CONTACT = "resident_contact"  # privately to the role's people, never a group
    CHANGED = "changed"  # the front desk's feed: one line per change it was not told of


@dataclass(frozen=True)
class Notification:
    """Exactly one of `role` or `user_id` is set."""

    kind: NoticeKind
    case_id: int
    ref: str
    role: Role | None = None
    user_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.role is None) == (self.user_id is None):
            raise ValueError("a notification goes to a role or to a user, not both or neither")


class Announcement(StrEnum):
    PATROL_ALERT = "patrol_alert"  # a finished round with missed or late checkpoints
    HANDOVER = "handover"  # the shift change's summary
    WEEKLY_SUMMARY = "weekly_summary"  # the manager's Monday figures
    APPROVAL_REQUEST = "approval_request"  # the front desk: a registration to approve
    REGISTRATION_DECIDED = "registration_decided"  # the resident: approved or not
    DELIVERY_RESUMED = "delivery_resumed"  # an admin: delivery was paused, and resumed
    GROUP_LOST = "group_lost"  # admins and the front desk: a bound group the bot lost
    GROUP_BACK = "group_back"  # ... and the same group working again
    INCIDENT_KNOWN = "incident_known"  # a resident's complaint joined a known incident
    INCIDENT_UPDATE = "incident_update"  # news of it, to every linked resident
    INCIDENT_CLOSED = "incident_closed"  # it is over, to every linked resident
    RUNGS_UNSEEN = "rungs_unseen"  # admins, at start-up: rungs with no group and no holder
    SURVEY_CLOSED = "survey_closed"  # the survey's author: it closed, with its response rate


class Notice(BaseModel):
    """Something a person or a role is told that belongs to no case (a patrol
    alert, a handover, the weekly summary, a registration to approve): kept in
    the outbox like a case's notification and delivered the same way, rendered
    by views.announcements in each recipient's language. Exactly one of
    `role` or `user_id` is set."""

    kind: Announcement
    role: Role | None = None
    user_id: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_addressee(self) -> Notice:
        if (self.role is None) == (self.user_id is None):
            raise ValueError("a notice goes to a role or to a user, not both or neither")
        return self
