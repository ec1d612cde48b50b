"""The routing invariants, checked on every reclassify: a complaint about the
guards never reaches a guard, however the desk sorts it."""

from __future__ import annotations

import pytest

from tests.case_states import POLICY, T0, filed
from tests.helpers import FRONT_DESK, RESIDENT
from workflow import commands as cmd
from workflow import decisions
from workflow.errors import NotAllowed
from workflow.model import Case, Category, Severity, Team
from workflow.roles import Role


def reclassify(case: Case, category: Category, about_team: Team | None = None) -> Case:
    command = cmd.Reclassify(
        FRONT_DESK, case.id, category=category, severity=Severity.GENERAL, about_team=about_team
    )
    return decisions.reclassify(case, command, T0, POLICY).case


def about_guards_by_management() -> Case:
    case = filed(Category.MANAGEMENT, by=RESIDENT)
    case.about_team = Team.GUARDS
    return case


@pytest.mark.parametrize(
    "complaint",
    [lambda: filed(Category.SECURITY), about_guards_by_management],
    ids=["a security complaint", "a management complaint about the guards"],
)
def test_a_complaint_about_guards_cannot_be_reclassified_as_help_from_a_guard(
    complaint: object,
) -> None:
    case = complaint()  # type: ignore[operator]
    with pytest.raises(NotAllowed) as refused:
        reclassify(case, Category.ASSISTANCE)
    assert refused.value.details["guards_complaint"] is True
    assert case.category is not Category.ASSISTANCE  # nothing changed


def test_a_case_reclassified_as_a_complaint_about_guards_cannot_go_to_a_guard() -> None:
    case = filed(Category.REPAIR)
    reclassified = reclassify(case, Category.MANAGEMENT, about_team=Team.GUARDS)
    assert reclassified.rung is Role.CS_SUPERVISOR
    assert Role.GUARD not in (reclassified.rung, *reclassified.informed)


def test_a_complaint_about_guards_may_still_go_to_another_team() -> None:
    case = reclassify(filed(Category.SECURITY), Category.REPAIR)
    assert case.rung is Role.REPAIR_LEAD


def test_other_cases_may_still_be_reclassified_as_help_from_a_guard() -> None:
    case = reclassify(filed(Category.CLEANING), Category.ASSISTANCE)
    assert case.rung is Role.GUARD


def test_a_complaint_about_guards_sorted_into_a_repair_first_still_never_reaches_a_guard() -> None:
    via_repair = reclassify(filed(Category.SECURITY), Category.REPAIR)
    with pytest.raises(NotAllowed) as refused:
        reclassify(via_repair, Category.ASSISTANCE)
    assert refused.value.details["guards_complaint"] is True
