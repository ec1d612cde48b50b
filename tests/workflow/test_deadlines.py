"""When a case is late: what /overview and the weekly summary call overdue."""

from __future__ import annotations

from datetime import timedelta

from tests.case_states import POLICY, T0, cases, filed
from workflow.deadlines import is_overdue, next_due
from workflow.model import DeadlineKind

CASES = cases()


def test_a_new_case_is_overdue_once_its_acknowledge_deadline_passes() -> None:
    case = filed()
    due = case.deadlines[DeadlineKind.ACKNOWLEDGE].due_at
    assert due == T0 + POLICY.deadlines.acknowledge[case.severity]
    assert not is_overdue(case, due)
    assert is_overdue(case, due + timedelta(seconds=1))


def test_a_case_waiting_for_feedback_is_never_overdue() -> None:
    resolved = CASES["resolved repair"]
    assert resolved.deadlines  # the feedback reminder and close are running
    assert not is_overdue(resolved, T0 + timedelta(days=30))


def test_a_finished_case_is_never_overdue() -> None:
    for name in ("rated repair", "cancelled repair", "site report dismissed"):
        assert not is_overdue(CASES[name], T0 + timedelta(days=30)), name


def test_next_due_is_the_earliest_service_deadline() -> None:
    case = filed()
    assert next_due(case) == min(
        dl.due_at
        for kind, dl in case.deadlines.items()
        if kind in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ON_SITE, DeadlineKind.RESOLVE)
    )
    assert next_due(case) == case.deadlines[DeadlineKind.ACKNOWLEDGE].due_at


def test_next_due_of_a_case_without_service_deadlines_is_when_it_was_filed() -> None:
    assert next_due(CASES["resolved repair"]) == CASES["resolved repair"].created_at
