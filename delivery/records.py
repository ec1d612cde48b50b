"""What the delivery component keeps about messages it posted: a case's card
in each chat, the digests of a busy group, and outbox rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from views.announcements import Announcement
from workflow.notifications import Notification
from workflow.roles import Role


class Card(BaseModel):
    case_id: int
    chat_id: int
    message_id: int
    thread_id: int | None = None


class Digest(BaseModel):
    id: int
    chat_id: int
    message_id: int
    key: str
    case_ids: list[int] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    created_at: datetime
    dirty: bool = False


class OutboxItem(BaseModel):
    id: int
    attempts: int
    notification: Notification


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


class NoticeItem(BaseModel):
    id: int
    attempts: int
    notice: Notice
