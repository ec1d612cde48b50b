"""The people the desk knows and the group chats that serve each role."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from workflow.roles import Role

_NOT_DIGITS = re.compile(r"[^0-9]")


def e164(phone: str | None, country_code: str = "852") -> str | None:
    """A phone number as E.164 ("+85291230002"), however the client sent it:
    Telegram's own "85291230002", "+852 9123 0002", "00852-9123-0002", or a local
    eight-digit Hong Kong number (given `country_code`). None when there is none."""
    if not phone or not phone.strip():
        return None
    text = phone.strip()
    digits = _NOT_DIGITS.sub("", text)
    if not digits:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if len(digits) == 8 and country_code:
        return f"+{country_code}{digits}"
    return "+" + digits


class Person(BaseModel):
    """Someone the bot knows. Residents carry a unit and an approval status;
    staff carry roles. One Telegram account is one person."""

    user_id: int
    name: str = ""
    language: str | None = None
    phone: str | None = None
    building: str | None = None
    unit: str | None = None
    resident_status: str = "none"  # none, pending, approved, rejected
    roles: list[Role] = Field(default_factory=list)
    reachable: bool = True

    @field_validator("phone")
    @classmethod
    def _in_e164(cls, phone: str | None) -> str | None:
        """Stored and read in E.164: a number saved before registration
        normalised it ("85291230002") reads as "+85291230002" too, so no
        migration rewrites old rows; the next save stores the normal form."""
        return e164(phone)

    @property
    def is_resident(self) -> bool:
        return self.resident_status == "approved"

    @property
    def staff_roles(self) -> frozenset[Role]:
        return frozenset(r for r in self.roles if r is not Role.RESIDENT)


class RoleGroup(BaseModel):
    role: Role
    chat_id: int
    title: str = ""
    language: str | None = None
    is_forum: bool = False
    # Set when the bot can no longer post there (removed, the group deleted): the
    # binding is kept, and the role's cases go to its people privately meanwhile.
    broken_at: datetime | None = None
    broken_reason: str | None = None

    @property
    def broken(self) -> bool:
        return self.broken_at is not None


class Invite(BaseModel):
    token: str
    role: Role
    created_by: int
    expires_at: datetime
    used_by: int | None = None
