"""Who is who in the office, and who answers to whom.

The escalation ladder is not one list but a "reports to" map: every handling
role has exactly one rung above it, so a case climbs from wherever it started
(team lead → supervisor of that team → cs_supervisor → manager).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    GUARD = "guard"
    FRONT_DESK = "front_desk"
    REPAIR_LEAD = "repair_lead"
    REPAIR_SUPERVISOR = "repair_supervisor"
    CLEANING_LEAD = "cleaning_lead"
    CLEANING_SUPERVISOR = "cleaning_supervisor"
    SECURITY_CAPTAIN = "security_captain"
    SECURITY_SUPERVISOR = "security_supervisor"
    CS_SUPERVISOR = "cs_supervisor"
    MANAGER = "manager"


STAFF_ROLES: frozenset[Role] = frozenset(Role) - {Role.RESIDENT}

REPORTS_TO: dict[Role, Role] = {
    Role.GUARD: Role.SECURITY_CAPTAIN,
    Role.SECURITY_CAPTAIN: Role.SECURITY_SUPERVISOR,
    Role.SECURITY_SUPERVISOR: Role.CS_SUPERVISOR,
    Role.REPAIR_LEAD: Role.REPAIR_SUPERVISOR,
    Role.REPAIR_SUPERVISOR: Role.CS_SUPERVISOR,
    Role.CLEANING_LEAD: Role.CLEANING_SUPERVISOR,
    Role.CLEANING_SUPERVISOR: Role.CS_SUPERVISOR,
    Role.FRONT_DESK: Role.CS_SUPERVISOR,
    Role.CS_SUPERVISOR: Role.MANAGER,
}


def rung_above(role: Role) -> Role | None:
    """The next rung up, or None at the top (the manager)."""
    return REPORTS_TO.get(role)


def ladder_from(role: Role) -> list[Role]:
    """`role` and every rung above it, lowest first."""
    rungs = [role]
    while (above := rung_above(rungs[-1])) is not None:
        rungs.append(above)
    return rungs


def is_at_or_above(role: Role, rung: Role) -> bool:
    """True when `role` is `rung` or sits somewhere above it on its ladder."""
    return role in ladder_from(rung)
