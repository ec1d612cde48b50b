"""Notices to residents, called bulletins here so they never mix with the
`Notice` of `workflow.notifications` (a message about no case to one person
or role): who may publish one, what makes a draft acceptable, and which
residents an audience reaches. Pure: no I/O, time passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from workflow.directory import Person
from workflow.roles import Role

PUBLISHERS: frozenset[Role] = frozenset({Role.FRONT_DESK, Role.CS_SUPERVISOR, Role.MANAGER})
"""Who writes, corrects and withdraws notices to residents."""

ALL_LANGUAGES = "all"  # the key of a text written once for every language
MAX_TEXT = 3500  # leaves room for the heading inside Telegram's 4096 characters
MAX_CAPTION = 900  # a text this short rides on the photo or PDF as its caption


class BulletinStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time
    SENDING = "sending"
    SENT = "sent"
    WITHDRAWN = "withdrawn"


class SendKind(StrEnum):
    """What one resident is sent about a bulletin."""

    BULLETIN = "bulletin"
    CORRECTION = "correction"
    WITHDRAWAL = "withdrawal"


class Outcome(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed, being sent: a kill here leaves it unsure, never sent twice
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    UNSURE = "unsure"  # the bot stopped while sending it: not sent again
    CANCELLED = "cancelled"  # withdrawn before it went


@dataclass(frozen=True)
class Audience:
    """Everyone, or the residents of some buildings, or of some floors of them."""

    buildings: frozenset[str] = frozenset()
    floors: frozenset[tuple[str, int]] = frozenset()

    @property
    def everyone(self) -> bool:
        return not self.buildings and not self.floors

    def includes(self, person: Person) -> bool:
        if not person.is_resident:
            return False
        if self.everyone:
            return True
        if person.building in self.buildings:
            return True
        floor = floor_of(person.unit)
        return floor is not None and (person.building or "", floor) in self.floors

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "buildings": sorted(self.buildings),
            "floors": sorted(f"{b}:{f}" for b, f in self.floors),
        }

    @classmethod
    def from_dict(cls, data: dict[str, list[str]]) -> Audience:
        floors = set()
        for item in data.get("floors", []):
            building, _, floor = item.rpartition(":")
            floors.add((building, int(floor)))
        return cls(frozenset(data.get("buildings", [])), frozenset(floors))


@dataclass
class Bulletin:
    id: int
    author_id: int
    texts: dict[str, str]  # language ("zh-Hant", "zh-Hans", "en") or "all" → text
    audience: Audience
    created_at: datetime
    send_at: datetime
    attachment: str | None = None  # "photo:<file id>" or "document:<file id>"
    status: BulletinStatus = BulletinStatus.SCHEDULED
    progress_chat: int | None = None  # the author's chat, where the progress line is
    progress_message: int | None = None
    corrected_at: datetime | None = None
    withdrawn_at: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def text_for(self, language: str) -> str:
        """The text in this language, else the one for all, else any."""
        return (
            self.texts.get(language)
            or self.texts.get(ALL_LANGUAGES)
            or next(iter(self.texts.values()), "")
        )

    @property
    def current(self) -> bool:
        return self.status in (BulletinStatus.SENDING, BulletinStatus.SENT)


class DraftProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    IN_THE_PAST = "in_the_past"
    NOBODY = "nobody"
    UNKNOWN_BUILDING = "unknown_building"


def may_publish(roles: frozenset[Role]) -> bool:
    return bool(roles & PUBLISHERS)


def clean_text(text: str | None) -> str:
    """A typed text without surrounding blank space (a notice of spaces is empty)."""
    return (text or "").strip()


def check_draft(
    texts: dict[str, str], send_at: datetime | None, now: datetime
) -> DraftProblem | None:
    """What is wrong with a draft, if anything (the audience is checked apart)."""
    if not any(clean_text(t) for t in texts.values()):
        return DraftProblem.EMPTY
    if any(len(t) > MAX_TEXT for t in texts.values()):
        return DraftProblem.TOO_LONG
    if send_at is not None and send_at <= now:
        return DraftProblem.IN_THE_PAST
    return None


def recipients(people: list[Person], audience: Audience) -> list[int]:
    """The approved residents the audience reaches, each once, in id order."""
    return sorted({p.user_id for p in people if audience.includes(p)})


_FLOOR = re.compile(r"^\s*(\d{1,3})")


def floor_of(unit: str | None) -> int | None:
    """The floor a unit is on, read from its leading number ("12A" → 12)."""
    match = _FLOOR.match(unit or "")
    return int(match.group(1)) if match else None


_FLOOR_ITEM = re.compile(r"^([A-Za-z0-9]+)\s*[:/ ]\s*(\d{1,3})(?:\s*-\s*(\d{1,3}))?$")


def parse_floors(text: str, buildings: set[str]) -> frozenset[tuple[str, int]] | None:
    """ "A 3-5, B 12" (or "A:3-5; B/12") as (building, floor) pairs; None if any
    item is not understood or names no building of the estate."""
    found: set[tuple[str, int]] = set()
    known = {b.upper(): b for b in buildings}
    items = [i for i in re.split(r"[,;，；、\n]+", text.strip()) if i.strip()]
    if not items:
        return None
    for item in items:
        match = _FLOOR_ITEM.match(item.strip())
        if match is None:
            return None
        building = known.get(match.group(1).upper())
        low = int(match.group(2))
        high = int(match.group(3) or low)
        if building is None or high < low or high - low > 200:
            return None
        found |= {(building, floor) for floor in range(low, high + 1)}
    return frozenset(found)


_WHEN = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+|T))?(\d{1,2})[:：](\d{2})$")


def parse_when(text: str, now: datetime) -> datetime | None:
    """ "18:00" (today, in `now`'s zone), "2026-12-01 18:00" or "2026-12-01T18:00"
    (one word, for one-line commands); None if not a time."""
    match = _WHEN.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute = match.groups()
    try:
        if year:
            return now.replace(
                year=int(year),
                month=int(month),
                day=int(day),
                hour=int(hour),
                minute=int(minute),
                second=0,
                microsecond=0,
            )
        return now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    except ValueError:
        return None
