"""Who receives a new case: WORKFLOW.md's routing table, as data.

The defaults below are that table row by row; an estate may override any
cell from its TOML. `RoutingTable.validate` refuses a table that leaves a
category × severity without a handler, so a case can never be filed into
nobody's hands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workflow.errors import InvalidCommand
from workflow.model import Category, Severity, Team
from workflow.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class Route:
    handler: Role
    informed: tuple[Role, ...] = (Role.FRONT_DESK,)


_FD = (Role.FRONT_DESK,)
_CS_FD = (Role.CS_SUPERVISOR, Role.FRONT_DESK)
_CRITICAL = Route(Role.MANAGER, _CS_FD)

DEFAULT_ROUTES: dict[tuple[Category, Severity], Route] = {
    (Category.REPAIR, Severity.GENERAL): Route(Role.REPAIR_LEAD, _FD),
    (Category.REPAIR, Severity.MAJOR): Route(Role.REPAIR_SUPERVISOR, _FD),
    (Category.REPAIR, Severity.CRITICAL): _CRITICAL,
    (Category.REPAIR_COMPLAINT, Severity.GENERAL): Route(Role.REPAIR_SUPERVISOR, _FD),
    (Category.REPAIR_COMPLAINT, Severity.MAJOR): Route(Role.REPAIR_SUPERVISOR, _FD),
    (Category.REPAIR_COMPLAINT, Severity.CRITICAL): _CRITICAL,
    (Category.CLEANING, Severity.GENERAL): Route(Role.CLEANING_LEAD, _FD),
    (Category.CLEANING, Severity.MAJOR): Route(Role.CLEANING_SUPERVISOR, _FD),
    (Category.CLEANING, Severity.CRITICAL): _CRITICAL,
    (Category.SECURITY, Severity.GENERAL): Route(Role.SECURITY_CAPTAIN, _FD),
    (Category.SECURITY, Severity.MAJOR): Route(Role.SECURITY_SUPERVISOR, _FD),
    (Category.SECURITY, Severity.CRITICAL): _CRITICAL,
    # The seed is silent on general management complaints: the customer-service
    # supervisor owns management work, so they take them.
    (Category.MANAGEMENT, Severity.GENERAL): Route(Role.CS_SUPERVISOR, _FD),
    # "The relevant supervisor" depends on the team complained about (see
    # `route_for`); with none named it is the cs supervisor's own.
    (Category.MANAGEMENT, Severity.MAJOR): Route(Role.CS_SUPERVISOR, _FD),
    (Category.MANAGEMENT, Severity.CRITICAL): _CRITICAL,
    # Temporary assistance goes straight to the guards on duty; it has no
    # severity of its own, so every severity routes the same way.
    (Category.ASSISTANCE, Severity.GENERAL): Route(Role.GUARD, _FD),
    (Category.ASSISTANCE, Severity.MAJOR): Route(Role.GUARD, _FD),
    (Category.ASSISTANCE, Severity.CRITICAL): Route(Role.GUARD, _FD),
    # A guard's site report waits at the front desk until it is classified.
    (Category.SITE_CONDITION, Severity.GENERAL): Route(Role.FRONT_DESK, ()),
    (Category.SITE_CONDITION, Severity.MAJOR): Route(Role.FRONT_DESK, ()),
    (Category.SITE_CONDITION, Severity.CRITICAL): Route(Role.FRONT_DESK, ()),
}

TEAM_SUPERVISOR: dict[Team, Role] = {
    Team.REPAIR: Role.REPAIR_SUPERVISOR,
    Team.CLEANING: Role.CLEANING_SUPERVISOR,
    Team.SECURITY: Role.SECURITY_SUPERVISOR,
    Team.GUARDS: Role.SECURITY_SUPERVISOR,
    Team.SERVICE: Role.CS_SUPERVISOR,
    Team.FRONT_DESK: Role.CS_SUPERVISOR,
}

CATEGORY_TEAM: dict[Category, Team] = {
    Category.REPAIR: Team.REPAIR,
    Category.REPAIR_COMPLAINT: Team.REPAIR,
    Category.CLEANING: Team.CLEANING,
    Category.SECURITY: Team.SECURITY,
    Category.MANAGEMENT: Team.SERVICE,
    Category.ASSISTANCE: Team.GUARDS,
    Category.SITE_CONDITION: Team.FRONT_DESK,
}


def team_of(category: Category) -> Team:
    return CATEGORY_TEAM[category]


class RoutingTable:
    def __init__(self, routes: Mapping[tuple[Category, Severity], Route]) -> None:
        self._routes = dict(routes)
        self.validate()

    @classmethod
    def default(cls) -> RoutingTable:
        return cls(DEFAULT_ROUTES)

    def with_overrides(self, overrides: Iterable[tuple[Category, Severity, Route]]) -> RoutingTable:
        routes = dict(self._routes)
        for category, severity, route in overrides:
            routes[(category, severity)] = route
        return RoutingTable(routes)

    def validate(self) -> None:
        for category in Category:
            for severity in Severity:
                route = self._routes.get((category, severity))
                if route is None:
                    raise InvalidCommand(f"routing: no handler for {category} / {severity}")
                for role in (route.handler, *route.informed):
                    if role not in STAFF_ROLES:
                        raise InvalidCommand(
                            f"routing: {category} / {severity} names {role}, not a staff role"
                        )
                if category is Category.SECURITY and Role.GUARD in (
                    route.handler,
                    *route.informed,
                ):
                    raise InvalidCommand(
                        "routing: complaints about guards must never reach the guards"
                    )

    def route_for(
        self, category: Category, severity: Severity, about_team: Team | None = None
    ) -> Route:
        """The route for a new case. A major management complaint about a named
        team goes to that team's supervisor, with the cs supervisor told at once."""
        route = self._routes[(category, severity)]
        if (
            category is Category.MANAGEMENT
            and severity is Severity.MAJOR
            and about_team is not None
        ):
            supervisor = TEAM_SUPERVISOR[about_team]
            informed = tuple(dict.fromkeys((Role.CS_SUPERVISOR, *route.informed)))
            informed = tuple(r for r in informed if r is not supervisor)
            return Route(supervisor, informed)
        return route

    def items(self) -> list[tuple[tuple[Category, Severity], Route]]:
        return list(self._routes.items())
