"""Conversation states are stable names, one set per flow, and the numbers the
previous release saved still mean the same steps."""

from __future__ import annotations

from handlers.states import (
    LEGACY_NUMBERS,
    Feedback,
    Filing,
    FollowUp,
    GuardReport,
    Registration,
    upgraded,
)

FLOWS = (Registration, Filing, FollowUp, Feedback, GuardReport)


def test_every_state_has_its_own_name_that_says_its_flow() -> None:
    states = [state for flow in FLOWS for state in flow]
    assert len({str(s) for s in states}) == len(states) == 17
    assert all(
        str(s).split(".")[0] in {"registration", "filing", "follow_up", "feedback", "guard_report"}
        for s in states
    )


def test_the_old_numbers_map_to_the_steps_they_meant() -> None:
    assert upgraded(0) is Registration.BUILDING
    assert upgraded(3) is Registration.PHONE
    assert upgraded(4) is Filing.WHERE
    assert upgraded(10) is Filing.CONFIRM
    assert upgraded(11) is FollowUp.ADD_INFO
    assert upgraded(12) is FollowUp.AGAIN
    assert upgraded(13) is Feedback.COMMENT
    assert upgraded(15) is GuardReport.REPORT
    assert sorted(LEGACY_NUMBERS) == list(range(16))


def test_names_saved_by_this_release_load_unchanged() -> None:
    assert upgraded("filing.describe") == Filing.DESCRIBE
    assert upgraded("something.else") == "something.else"
