"""The pure rules of notices to residents and known incidents: who may send,
which residents an audience reaches, what a draft may not be, and which open
incident a filing belongs to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflow.bulletins import (
    Audience,
    DraftProblem,
    check_draft,
    floor_of,
    may_publish,
    parse_floors,
    recipients,
)
from workflow.directory import Person
from workflow.incidents import EVERY_BUILDING, Incident, matching, may_declare, parse_declaration
from workflow.model import Category
from workflow.roles import Role

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def resident(user_id: int, building: str, unit: str, status: str = "approved") -> Person:
    return Person(user_id=user_id, building=building, unit=unit, resident_status=status)


PEOPLE = [
    resident(1, "A", "3A"),
    resident(2, "A", "12B"),
    resident(3, "B", "3A"),
    resident(4, "A", "3C", status="pending"),
    Person(user_id=5, roles=[Role.FRONT_DESK]),
]


def test_only_the_front_desk_cs_supervisor_and_manager_write_notices() -> None:
    assert may_publish(frozenset({Role.FRONT_DESK}))
    assert may_publish(frozenset({Role.MANAGER, Role.RESIDENT}))
    assert not may_publish(frozenset({Role.REPAIR_LEAD}))
    assert not may_publish(frozenset({Role.RESIDENT}))


def test_an_audience_reaches_approved_residents_of_its_blocks_or_floors_once_each() -> None:
    assert recipients(PEOPLE, Audience()) == [1, 2, 3]
    assert recipients(PEOPLE, Audience(buildings=frozenset({"A"}))) == [1, 2]
    assert recipients(PEOPLE, Audience(floors=frozenset({("A", 3), ("B", 3)}))) == [1, 3]
    both = Audience(buildings=frozenset({"B"}), floors=frozenset({("B", 3)}))
    assert recipients(PEOPLE, both) == [3]


def test_floors_are_read_block_by_block_and_nonsense_is_refused() -> None:
    assert parse_floors("A 3-5, B 12", {"A", "B"}) == frozenset(
        {("A", 3), ("A", 4), ("A", 5), ("B", 12)}
    )
    assert parse_floors("a:7", {"A"}) == frozenset({("A", 7)})
    assert parse_floors("Z 3", {"A"}) is None
    assert parse_floors("A 5-3", {"A"}) is None
    assert parse_floors("", {"A"}) is None
    assert floor_of("12A") == 12
    assert floor_of("G01") is None


def test_an_empty_notice_or_a_time_in_the_past_is_refused() -> None:
    assert check_draft({"all": "   "}, None, NOW) is DraftProblem.EMPTY
    assert check_draft({}, None, NOW) is DraftProblem.EMPTY
    assert check_draft({"all": "x"}, NOW - timedelta(minutes=1), NOW) is DraftProblem.IN_THE_PAST
    assert check_draft({"all": "x" * 5000}, None, NOW) is DraftProblem.TOO_LONG
    assert check_draft({"en": "Lift works"}, NOW + timedelta(hours=1), NOW) is None


def incident(number: int, category: Category, buildings: set[str], hours: int = 0) -> Incident:
    return Incident(
        id=number,
        category=category,
        buildings=frozenset(buildings),
        description="No water",
        declared_by=5,
        declared_at=NOW + timedelta(hours=hours),
    )


def test_a_filing_matches_an_open_incident_of_its_category_and_block_only() -> None:
    water = incident(1, Category.REPAIR, {"A"})
    estate_wide = incident(2, Category.CLEANING, {EVERY_BUILDING})
    closed = incident(3, Category.REPAIR, {"B"})
    closed.closed_at = NOW
    found = [water, estate_wide, closed]
    assert matching(found, Category.REPAIR, "A") is water
    assert matching(found, Category.REPAIR, "B") is None
    assert matching(found, Category.SECURITY, "A") is None
    assert matching(found, Category.CLEANING, "C") is estate_wide
    later = incident(4, Category.REPAIR, {"A"}, hours=1)
    assert matching([water, later], Category.REPAIR, "A") is later


def test_a_declaration_is_read_from_the_command_and_mistakes_refused() -> None:
    zone_now = NOW
    declared = parse_declaration(["repair", "A,B", "16:00", "No", "water"], {"A", "B"}, zone_now)
    assert declared is not None
    assert declared.buildings == frozenset({"A", "B"})
    assert declared.description == "No water"
    assert parse_declaration(["repair", "all", "-", "Lift"], {"A"}, zone_now) is not None
    assert parse_declaration(["plumbing", "A", "16:00", "x"], {"A"}, zone_now) is None
    assert parse_declaration(["repair", "A", "00:30", "x"], {"A"}, zone_now) is None
    assert parse_declaration(["repair", "A", "16:00"], {"A"}, zone_now) is None
    assert may_declare(frozenset({Role.FRONT_DESK}))
    assert not may_declare(frozenset({Role.GUARD}))


def test_notices_and_incidents_read_a_time_the_same_way() -> None:
    from datetime import UTC, datetime

    from workflow.bulletins import parse_when
    from workflow.incidents import parse_time

    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    at_four = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    for text in ("16:00", "16：00", "2026-12-01 16:00", "2026-12-01T16:00"):
        assert parse_when(text, now) == at_four, text
        assert parse_time(text, now) == at_four, text
    assert parse_when("25:00", now) is None
    assert parse_time("tomorrow", now) is None
