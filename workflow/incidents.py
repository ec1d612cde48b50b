"""Known incidents: an outage the office already knows about (no water
in Block A, a lift down), declared by the desk. While one is open, a resident
filing the same category of case in an affected building is told at once what
the office knows and linked to it, instead of opening one more card. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from workflow.bulletins import parse_when
from workflow.model import Category
from workflow.permissions import SUPERVISING_ROLES
from workflow.roles import Role

DECLARERS: frozenset[Role] = SUPERVISING_ROLES
"""The front desk and the supervisors declare, update and close incidents."""

EVERY_BUILDING = "*"
MAX_TEXT = 1000
CATEGORIES = (Category.REPAIR, Category.CLEANING, Category.SECURITY, Category.MANAGEMENT)


@dataclass
class Incident:
    id: int
    category: Category
    buildings: frozenset[str]  # EVERY_BUILDING for the whole estate
    description: str
    declared_by: int
    declared_at: datetime
    expected_end: datetime | None = None
    closed_at: datetime | None = None
    case_id: int | None = None  # the case it was made from, if any
    last_update: str | None = None
    linked: int = 0  # complaints linked to it
    card_chat: int | None = None  # where staff see its one card (the chat it was declared in)
    card_message: int | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def affects(self, building: str | None) -> bool:
        return EVERY_BUILDING in self.buildings or (
            building is not None and building in self.buildings
        )


@dataclass(frozen=True)
class Link:
    """One complaint linked to an incident instead of becoming a case."""

    incident_id: int
    user_id: int
    building: str | None
    unit: str | None
    description: str
    at: datetime


def may_declare(roles: frozenset[Role]) -> bool:
    return bool(roles & DECLARERS)


def matching(
    incidents: list[Incident], category: Category, building: str | None
) -> Incident | None:
    """The open incident a filing belongs to: same category, an affected
    building; the most recently declared if several."""
    found = [i for i in incidents if i.is_open and i.category is category and i.affects(building)]
    return max(found, key=lambda i: (i.declared_at, i.id)) if found else None


@dataclass(frozen=True)
class Declaration:
    category: Category
    buildings: frozenset[str]
    expected_end: datetime | None
    description: str


def parse_time(text: str, now: datetime) -> datetime | None:
    """ "16:00" today (in `now`'s zone) or "2026-12-01T16:00": the notices' reading."""
    return parse_when(text, now)


def parse_declaration(
    words: list[str], known_buildings: set[str], now: datetime
) -> Declaration | None:
    """`<category> <buildings> <expected end or -> <what is wrong…>`, e.g.
    `repair A,B 16:00 No water since 10:00`; buildings `all` for the estate.
    None if any part is not understood (the caller explains the form)."""
    if len(words) < 4:
        return None
    category = next((c for c in CATEGORIES if c.value == words[0].lower()), None)
    if category is None:
        return None
    buildings = parse_buildings(words[1], known_buildings)
    if buildings is None:
        return None
    end: datetime | None = None
    if words[2] != "-":
        end = parse_time(words[2], now)
        if end is None or end <= now:
            return None
    description = " ".join(words[3:]).strip()
    if not description or len(description) > MAX_TEXT:
        return None
    return Declaration(category, buildings, end, description)


def parse_buildings(text: str, known: set[str]) -> frozenset[str] | None:
    if text.lower() in ("all", "*"):
        return frozenset({EVERY_BUILDING})
    by_upper = {b.upper(): b for b in known}
    found = [by_upper.get(x.strip().upper()) for x in re.split(r"[,，、]", text) if x.strip()]
    if not found or any(b is None for b in found):
        return None
    return frozenset(b for b in found if b is not None)
