"""Who may do what: the one home for the office's role sets.

The decisions check a case against an actor with these sets; the shell uses
the viewer sets to decide who may open a report, a list or a panel.
"""

from __future__ import annotations

from workflow.roles import Role

SUPERVISING_ROLES: frozenset[Role] = frozenset(
    {
        Role.FRONT_DESK,
        Role.REPAIR_SUPERVISOR,
        Role.CLEANING_SUPERVISOR,
        Role.SECURITY_SUPERVISOR,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    }
)
"""Reclassify, merge and dismiss belong to the front desk and the supervisors."""

APPROVERS: frozenset[Role] = frozenset({Role.FRONT_DESK, Role.CS_SUPERVISOR, Role.MANAGER})
"""Who approves a resident's registration."""

DUTY_VIEWERS: frozenset[Role] = frozenset(
    {
        Role.SECURITY_CAPTAIN,
        Role.SECURITY_SUPERVISOR,
        Role.FRONT_DESK,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    }
)
"""Who sees which guards are on duty."""

REPORT_ROLES: frozenset[Role] = frozenset({Role.MANAGER, Role.CS_SUPERVISOR, Role.FRONT_DESK})
"""Who asks for the reports and the figures."""

OVERVIEW_ROLES: frozenset[Role] = frozenset({Role.MANAGER, Role.CS_SUPERVISOR, Role.FRONT_DESK})
"""Who sees `/overview`, every open case by rung."""

PATROL_VIEWERS: frozenset[Role] = frozenset(
    {
        Role.GUARD,
        Role.SECURITY_CAPTAIN,
        Role.SECURITY_SUPERVISOR,
        Role.FRONT_DESK,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    }
)
"""Who sees the patrol rounds."""
