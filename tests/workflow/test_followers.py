"""A resident whose duplicate was merged into another resident's case follows
that case: they hear its notices, and nothing more is theirs to do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.case_states import POLICY, T0, filed, then
from tests.helpers import (
    FRONT_DESK,
    NEIGHBOUR,
    NEIGHBOUR_HOME,
    REPAIR_LEAD,
    RESIDENT,
    to_users,
)
from workflow import commands as cmd
from workflow import decisions
from workflow.actions import Action, available_actions, may_read_details
from workflow.errors import NotAllowed
from workflow.model import Case, Category, DeadlineKind, ReporterKind, Urgency
from workflow.notifications import NoticeKind


def followed() -> Case:
    """The resident's new repair, with the neighbour's duplicate merged into it."""
    primary = filed()
    duplicate = decisions.file_case(
        cmd.FileCase(
            NEIGHBOUR,
            Category.REPAIR,
            "The ceiling drips in the lift lobby",
            NEIGHBOUR_HOME,
            urgency=Urgency.URGENT,
            reporter_kind=ReporterKind.RESIDENT,
            reporter_unit=NEIGHBOUR_HOME,
        ),
        case_id=2,
        ref="X2026-00002",
        now=T0,
        policy=POLICY,
    ).case
    merged = decisions.merge(
        duplicate, primary, cmd.Merge(FRONT_DESK, 2, into_case_id=1), T0, POLICY
    )
    return merged.cases[1]


def test_a_follower_may_take_no_step_on_the_case_they_follow() -> None:
    case = followed()
    assert NEIGHBOUR.user_id in case.followers
    assert available_actions(case, NEIGHBOUR, T0, POLICY) == frozenset()
    resolved = then(
        case, cmd.Acknowledge(REPAIR_LEAD, 1), cmd.Resolve(REPAIR_LEAD, 1, note="Fixed")
    )
    assert available_actions(resolved, NEIGHBOUR, T0, POLICY) == frozenset()
    assert Action.CONFIRM in available_actions(resolved, RESIDENT, T0, POLICY)


def test_only_the_reporter_may_read_a_cases_details() -> None:
    case = followed()
    assert may_read_details(case, RESIDENT)
    assert not may_read_details(case, NEIGHBOUR)


def test_a_follower_cannot_cancel_add_to_or_complain_again_about_the_case() -> None:
    case = followed()
    for command in (
        cmd.Cancel(NEIGHBOUR, 1),
        cmd.AddInfo(NEIGHBOUR, 1, text="Worse now"),
        cmd.ComplainAgain(NEIGHBOUR, 1, text="Still dripping"),
    ):
        with pytest.raises(NotAllowed):
            decisions.STEPS[type(command)](case, command, T0, POLICY)


def test_the_reporters_cancellation_tells_everyone_following() -> None:
    case = followed()
    decision = decisions.STEPS[cmd.Cancel](case, cmd.Cancel(RESIDENT, 1), T0, POLICY)
    assert to_users(decision, NoticeKind.CANCELLED) == [NEIGHBOUR.user_id]


def test_a_feedback_reminder_goes_to_the_reporter_alone() -> None:
    case = then(
        followed(), cmd.Acknowledge(REPAIR_LEAD, 1), cmd.Resolve(REPAIR_LEAD, 1, note="Fixed")
    )
    reminder = case.deadlines[DeadlineKind.FEEDBACK_REMINDER].due_at
    decision = decisions.tick(case, reminder + timedelta(seconds=1), POLICY)
    assert decision is not None
    assert to_users(decision, NoticeKind.FEEDBACK_REMINDER) == [RESIDENT.user_id]
