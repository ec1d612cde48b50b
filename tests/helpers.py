"""A thin driver over the Desk so scenario tests read like the office's day."""

from __future__ import annotations

from datetime import timedelta

from workflow import commands as cmd
from workflow.clock import FakeClock
from workflow.decisions import Decision
from workflow.model import (
    Actor,
    Case,
    Category,
    Location,
    ReporterKind,
    Severity,
    Team,
    Urgency,
)
from workflow.notifications import NoticeKind, Notification
from workflow.roles import Role
from workflow.service import Desk

RESIDENT = Actor(1001, frozenset({Role.RESIDENT}))
NEIGHBOUR = Actor(1002, frozenset({Role.RESIDENT}))
HOME = Location(building="A", unit="12A", floor="12")
NEIGHBOUR_HOME = Location(building="A", unit="3B", floor="3")
LOBBY = Location(building="B", floor="G", area="lobby")


def staff(user_id: int, *roles: Role) -> Actor:
    return Actor(user_id, frozenset(roles))


REPAIR_LEAD = staff(2001, Role.REPAIR_LEAD)
REPAIR_SUPERVISOR = staff(2002, Role.REPAIR_SUPERVISOR)
CLEANING_LEAD = staff(2003, Role.CLEANING_LEAD)
SECURITY_CAPTAIN = staff(2004, Role.SECURITY_CAPTAIN)
FRONT_DESK = staff(2005, Role.FRONT_DESK)
CS_SUPERVISOR = staff(2006, Role.CS_SUPERVISOR)
MANAGER = staff(2007, Role.MANAGER)
GUARD = staff(2008, Role.GUARD)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def to_role(decision: Decision, kind: NoticeKind) -> list[Role]:
    return [n.role for n in decision.notifications if n.kind is kind and n.role is not None]


def to_users(decision: Decision, kind: NoticeKind) -> list[int]:
    return [n.user_id for n in decision.notifications if n.kind is kind and n.user_id is not None]


def notices(decisions: list[Decision]) -> list[Notification]:
    return [n for d in decisions for n in d.notifications]


class DeskDriver:
    def __init__(self, desk: Desk, clock: FakeClock) -> None:
        self.desk = desk
        self.clock = clock

    async def file(
        self,
        category: Category = Category.REPAIR,
        severity: Severity = Severity.GENERAL,
        *,
        by: Actor = RESIDENT,
        home: Location | None = HOME,
        where: Location | None = None,
        urgency: Urgency | None = None,
        about: Team | None = None,
        text: str = "Water is leaking from the ceiling",
        repeat_of: int | None = None,
    ) -> Decision:
        kind = ReporterKind.RESIDENT if Role.RESIDENT in by.roles else ReporterKind.GUARD
        return await self.desk.file(
            cmd.FileCase(
                actor=by,
                category=category,
                description=text,
                location=where or home or LOBBY,
                severity=severity,
                urgency=urgency,
                reporter_kind=kind,
                reporter_unit=home if kind is ReporterKind.RESIDENT else None,
                about_team=about,
                repeat_of=repeat_of,
            )
        )

    async def do(self, command: cmd.CaseCommand) -> Decision:
        return await self.desk.execute(command)

    async def case(self, case_id: int) -> Case:
        return await self.desk.get(case_id)

    async def after(self, delta: timedelta) -> list[Decision]:
        """Move time on and let the timers fire, as the periodic sweep would."""
        self.clock.advance(delta)
        return await self.desk.sweep()
