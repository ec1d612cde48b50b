"""Commands the desk accepts. Plain data: parsing and authorising the Telegram
update that produced one is the shell's job; checking it against the case is
the core's."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflow.model import Actor, Category, Location, ReporterKind, Severity, Team, Urgency


@dataclass(frozen=True)
class FileCase:
    actor: Actor
    category: Category
    description: str
    location: Location
    severity: Severity = Severity.GENERAL
    urgency: Urgency | None = None
    reporter_kind: ReporterKind = ReporterKind.RESIDENT
    reporter_unit: Location | None = None
    about_team: Team | None = None
    attachments: tuple[str, ...] = ()
    no_guard_on_duty: bool = False  # assistance then goes straight to the captain
    # The resident's own answer to "Is this about R2026-00042?": the earlier case
    # this one complains about again (the seed's rule: the same service, twice,
    # by the same resident). None: a new problem, whatever else they filed.
    repeat_of: int | None = None


@dataclass(frozen=True)
class CaseCommand:
    actor: Actor
    case_id: int


@dataclass(frozen=True)
class Acknowledge(CaseCommand):
    pass


@dataclass(frozen=True)
class MarkOnSite(CaseCommand):
    pass


@dataclass(frozen=True)
class RecordResidentContacted(CaseCommand):
    pass


@dataclass(frozen=True)
class Resolve(CaseCommand):
    note: str = ""
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalate(CaseCommand):
    reason: str = ""


@dataclass(frozen=True)
class Reclassify(CaseCommand):
    category: Category = Category.REPAIR
    severity: Severity = Severity.GENERAL
    urgency: Urgency | None = None
    about_team: Team | None = None


@dataclass(frozen=True)
class Merge(CaseCommand):
    """Merge `case_id` (the duplicate) into `into_case_id` (the primary)."""

    into_case_id: int = 0


@dataclass(frozen=True)
class Cancel(CaseCommand):
    reason: str = ""


@dataclass(frozen=True)
class AddInfo(CaseCommand):
    text: str = ""
    attachments: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ComplainAgain(CaseCommand):
    text: str = ""


@dataclass(frozen=True)
class ConfirmFixed(CaseCommand):
    fixed: bool = True


@dataclass(frozen=True)
class Rate(CaseCommand):
    stars: int = 5


@dataclass(frozen=True)
class Comment(CaseCommand):
    text: str = ""


@dataclass(frozen=True)
class ReturnToFrontDesk(CaseCommand):
    reason: str = ""


@dataclass(frozen=True)
class MessageResident(CaseCommand):
    text: str = ""


@dataclass(frozen=True)
class Dismiss(CaseCommand):
    """A guard's site report that needs no action."""

    reason: str = ""
