"""Which rungs a case can reach, and which of them nobody would see.

Every role a routing table hands a case to, tells about one, or escalates
one to must be reachable: a bound group or at least one person holding the
role. `python -m bot doctor` reports the gaps.
"""

from __future__ import annotations

from collections.abc import Iterable

from workflow.model import Category, Severity, Team
from workflow.roles import Role, ladder_from
from workflow.routing import RoutingTable

_ORDER = list(Role)


def rungs_in_use(table: RoutingTable) -> list[Role]:
    """Every role a case can land on or climb to under `table`, in ladder order."""
    used: set[Role] = set()
    for category in Category:
        for severity in Severity:
            teams: Iterable[Team | None] = (
                (None, *Team) if category is Category.MANAGEMENT else (None,)
            )
            for team in teams:
                route = table.route_for(category, severity, team)
                used.update(ladder_from(route.handler))
                used.update(route.informed)
    return sorted(used, key=_ORDER.index)


def next_reachable(rung: Role, reachable: Iterable[Role]) -> Role | None:
    """The first rung from `rung` up that someone can see (None: none above either)."""
    seen = set(reachable)
    return next((r for r in ladder_from(rung) if r in seen), None)


def unreachable(rungs: Iterable[Role], bound: Iterable[Role], held: Iterable[Role]) -> list[Role]:
    """The rungs with neither a bound group nor a holder."""
    seen = set(bound) | set(held)
    return [role for role in rungs if role not in seen]
