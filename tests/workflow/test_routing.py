"""Every row of WORKFLOW.md's routing table: who receives a new case."""

from __future__ import annotations

import pytest

from tests.helpers import GUARD, LOBBY, DeskDriver, to_role, to_users
from workflow.errors import InvalidCommand
from workflow.model import Category, Severity, Team
from workflow.notifications import NoticeKind
from workflow.roles import Role
from workflow.routing import Route, RoutingTable

G, M, C = Severity.GENERAL, Severity.MAJOR, Severity.CRITICAL

# (category, severity, first handler, also informed) straight from WORKFLOW.md.
TABLE = [
    (Category.REPAIR, G, Role.REPAIR_LEAD, {Role.FRONT_DESK}),
    (Category.REPAIR, M, Role.REPAIR_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.REPAIR_COMPLAINT, G, Role.REPAIR_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.REPAIR_COMPLAINT, M, Role.REPAIR_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.CLEANING, G, Role.CLEANING_LEAD, {Role.FRONT_DESK}),
    (Category.CLEANING, M, Role.CLEANING_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.SECURITY, G, Role.SECURITY_CAPTAIN, {Role.FRONT_DESK}),
    (Category.SECURITY, M, Role.SECURITY_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.MANAGEMENT, M, Role.CS_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.MANAGEMENT, G, Role.CS_SUPERVISOR, {Role.FRONT_DESK}),
    (Category.ASSISTANCE, G, Role.GUARD, {Role.FRONT_DESK}),
    *[
        (category, C, Role.MANAGER, {Role.CS_SUPERVISOR, Role.FRONT_DESK})
        for category in (
            Category.REPAIR,
            Category.REPAIR_COMPLAINT,
            Category.CLEANING,
            Category.SECURITY,
            Category.MANAGEMENT,
        )
    ],
]


@pytest.mark.parametrize(("category", "severity", "handler", "informed"), TABLE)
async def test_a_new_case_reaches_its_handler_and_those_informed(
    desk: DeskDriver, category: Category, severity: Severity, handler: Role, informed: set[Role]
) -> None:
    filed = await desk.file(category, severity)

    assert to_role(filed, NoticeKind.NEW_CASE) == [handler]
    assert set(to_role(filed, NoticeKind.INFORMED)) == informed
    assert filed.case.rung is handler
    assert to_users(filed, NoticeKind.FILED) == [filed.case.reporter_id]


@pytest.mark.parametrize(
    ("team", "supervisor"),
    [
        (Team.REPAIR, Role.REPAIR_SUPERVISOR),
        (Team.CLEANING, Role.CLEANING_SUPERVISOR),
        (Team.SECURITY, Role.SECURITY_SUPERVISOR),
    ],
)
async def test_a_major_management_complaint_goes_to_the_relevant_supervisor_and_the_cs_supervisor(
    desk: DeskDriver, team: Team, supervisor: Role
) -> None:
    filed = await desk.file(Category.MANAGEMENT, M, about=team)

    assert to_role(filed, NoticeKind.NEW_CASE) == [supervisor]
    assert set(to_role(filed, NoticeKind.INFORMED)) == {Role.CS_SUPERVISOR, Role.FRONT_DESK}


async def test_a_guards_site_report_waits_at_the_front_desk(desk: DeskDriver) -> None:
    filed = await desk.file(Category.SITE_CONDITION, by=GUARD, home=None, where=LOBBY)

    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.FRONT_DESK]
    assert to_role(filed, NoticeKind.INFORMED) == []
    assert to_users(filed, NoticeKind.FILED) == []  # guards get no resident-style receipt


async def test_assistance_has_no_severity_of_its_own(desk: DeskDriver) -> None:
    filed = await desk.file(Category.ASSISTANCE, C, text="Help carrying a sofa")

    assert filed.case.severity is Severity.GENERAL
    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.GUARD]


async def test_residents_cannot_file_site_conditions(desk: DeskDriver) -> None:
    with pytest.raises(InvalidCommand):
        await desk.file(Category.SITE_CONDITION)


def test_every_category_and_severity_has_a_handler() -> None:
    table = RoutingTable.default()
    assert len(table.items()) == len(Category) * len(Severity)


def test_an_override_that_leaves_a_gap_is_refused() -> None:
    routes = dict(RoutingTable.default().items())
    del routes[(Category.CLEANING, Severity.MAJOR)]
    with pytest.raises(InvalidCommand, match="cleaning / major"):
        RoutingTable(routes)


def test_complaints_about_guards_can_never_be_routed_to_guards() -> None:
    with pytest.raises(InvalidCommand, match="guards"):
        RoutingTable.default().with_overrides(
            [(Category.SECURITY, Severity.GENERAL, Route(Role.GUARD))]
        )


def test_an_override_replaces_one_cell_only() -> None:
    table = RoutingTable.default().with_overrides(
        [(Category.CLEANING, G, Route(Role.CLEANING_SUPERVISOR, (Role.FRONT_DESK,)))]
    )
    assert table.route_for(Category.CLEANING, G).handler is Role.CLEANING_SUPERVISOR
    assert table.route_for(Category.REPAIR, G).handler is Role.REPAIR_LEAD
