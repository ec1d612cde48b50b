"""What the delivery component keeps about messages it posted: a case's card
in each chat, the digests of a busy group, and outbox rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from workflow.notifications import Notice, Notification


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


class NoticeItem(BaseModel):
    id: int
    attempts: int
    notice: Notice
