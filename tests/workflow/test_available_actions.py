"""What may happen next: the steps the core offers each person on a case,
and the promise that they are exactly the steps the desk accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from tests.case_states import LATER, POLICY, STEPS, T0, cases, filed, then
from tests.helpers import (
    CLEANING_LEAD,
    CS_SUPERVISOR,
    FRONT_DESK,
    GUARD,
    MANAGER,
    NEIGHBOUR,
    REPAIR_LEAD,
    REPAIR_SUPERVISOR,
    RESIDENT,
    SECURITY_CAPTAIN,
    staff,
)
from workflow import commands as cmd
from workflow import decisions
from workflow.actions import (
    RESIDENT_ACTIONS,
    STAFF_ACTIONS,
    Action,
    available_actions,
    held_back,
    staff_actions,
)
from workflow.errors import DomainError, IllegalTransition
from workflow.model import Actor, Case, Category, Severity
from workflow.policy import Policy
from workflow.roles import Role

A = Action
CASES = cases()


def offered(name: str, actor: Actor, now: datetime = T0, policy: Policy = POLICY) -> set[Action]:
    return set(available_actions(CASES[name], actor, now, policy))


# --- staff ------------------------------------------------------------------


def test_a_new_case_offers_its_lead_take_go_escalate_return_and_write() -> None:
    assert offered("new repair", REPAIR_LEAD) == {
        A.ACKNOWLEDGE,
        A.ON_SITE,
        A.CONTACTED,
        A.ESCALATE,
        A.MESSAGE_RESIDENT,
        A.RETURN,
    }


def test_a_lead_cannot_reclassify_merge_or_dismiss() -> None:
    for name in ("new repair", "acknowledged repair", "site report"):
        assert not offered(name, REPAIR_LEAD) & {A.RECLASSIFY, A.MERGE, A.DISMISS}


def test_a_lead_cannot_touch_another_teams_case() -> None:
    assert offered("new repair", CLEANING_LEAD) == set()
    assert offered("cleaning case", REPAIR_LEAD) == set()


def test_the_front_desk_sorts_a_teams_case_but_does_not_take_it() -> None:
    assert offered("new repair", FRONT_DESK) == {A.MESSAGE_RESIDENT, A.RECLASSIFY, A.MERGE}


def test_a_supervisor_may_do_all_a_lead_may_and_sort_the_case_too() -> None:
    assert offered("new repair", REPAIR_SUPERVISOR) == offered("new repair", REPAIR_LEAD) | {
        A.RECLASSIFY,
        A.MERGE,
    }


def test_an_acknowledged_case_offers_on_site_and_resolve_but_not_acknowledge() -> None:
    steps = offered("acknowledged repair", REPAIR_LEAD)
    assert {A.ON_SITE, A.RESOLVE, A.RETURN} <= steps
    assert A.ACKNOWLEDGE not in steps


def test_a_case_on_site_can_be_resolved_but_no_longer_returned_or_reclassified() -> None:
    steps = offered("repair on site", REPAIR_SUPERVISOR)
    assert {A.RESOLVE, A.ESCALATE, A.MERGE} <= steps
    assert not steps & {A.ACKNOWLEDGE, A.ON_SITE, A.RETURN, A.RECLASSIFY}


def test_a_case_at_the_managers_rung_offers_no_escalate() -> None:
    for name in ("repair at the manager", "critical complaint", "critical complaint on site"):
        assert A.ESCALATE not in offered(name, MANAGER), name
    assert A.ESCALATE in offered("repair at the cs supervisor", CS_SUPERVISOR)


def test_an_escalated_case_stays_in_reach_of_the_rungs_below() -> None:
    assert A.ACKNOWLEDGE in offered("repair at the manager", REPAIR_LEAD)
    assert A.ESCALATE not in offered("repair at the manager", REPAIR_LEAD)


def test_a_case_with_the_front_desk_cannot_be_returned_to_it() -> None:
    steps = offered("repair returned to the front desk", FRONT_DESK)
    assert A.RETURN not in steps
    assert {A.ACKNOWLEDGE, A.RECLASSIFY, A.ESCALATE} <= steps


def test_a_critical_case_is_resolved_only_once_on_site_and_the_resident_contacted() -> None:
    assert A.RESOLVE not in offered("critical complaint on site", MANAGER)
    assert A.RESOLVE in offered("critical complaint on site and contacted", MANAGER)


def test_a_critical_cases_resolve_is_held_back_for_the_missing_step() -> None:
    on_site = CASES["critical complaint on site"]
    assert held_back(on_site, MANAGER) == {A.RESOLVE}
    assert held_back(CASES["critical complaint on site and contacted"], MANAGER) == set()
    assert held_back(CASES["acknowledged repair"], REPAIR_LEAD) == set()


def test_a_finished_case_offers_staff_only_a_message_to_the_resident() -> None:
    for name in ("resolved repair", "rated repair", "cancelled repair"):
        assert offered(name, REPAIR_SUPERVISOR) <= {A.MESSAGE_RESIDENT}, name


def test_only_a_new_site_report_can_be_dismissed_and_only_by_the_desk_or_a_supervisor() -> None:
    assert A.DISMISS in offered("site report", FRONT_DESK)
    assert A.DISMISS in offered("site report", CS_SUPERVISOR)
    assert A.DISMISS not in offered("site report", GUARD)
    assert A.DISMISS not in offered("site report dismissed", FRONT_DESK)
    assert A.DISMISS not in offered("new repair", FRONT_DESK)


def test_a_site_report_has_no_resident_to_write_to() -> None:
    assert A.MESSAGE_RESIDENT not in offered("site report", FRONT_DESK)


def test_a_guard_takes_and_gives_help_but_cannot_return_it() -> None:
    assert A.ACKNOWLEDGE in offered("help request", GUARD)
    assert {A.ON_SITE, A.RESOLVE} <= offered("help request taken", GUARD)
    assert A.RETURN in offered("help request", SECURITY_CAPTAIN)


# --- the resident -------------------------------------------------------------


def test_the_reporter_may_cancel_and_add_information_while_the_case_is_new() -> None:
    assert offered("new repair", RESIDENT) == {A.CANCEL, A.ADD_INFO, A.COMPLAIN_AGAIN}
    assert offered("acknowledged repair", RESIDENT) == {A.ADD_INFO, A.COMPLAIN_AGAIN}


def test_the_reporter_confirms_or_rates_a_resolved_case_or_complains_again() -> None:
    assert offered("resolved repair", RESIDENT) == {A.CONFIRM, A.RATE, A.COMPLAIN_AGAIN}


def test_the_reporter_may_comment_once_after_rating() -> None:
    assert offered("rated repair", RESIDENT) == {A.COMMENT, A.COMPLAIN_AGAIN}
    assert offered("commented repair", RESIDENT) == {A.COMPLAIN_AGAIN}


def test_complaining_again_ends_with_the_policys_repeat_window() -> None:
    assert A.COMPLAIN_AGAIN in offered("fixed and closed repair", RESIDENT, T0 + timedelta(days=6))
    assert A.COMPLAIN_AGAIN not in offered("fixed and closed repair", RESIDENT, LATER)
    short = Policy(repeat_window=timedelta(days=2))
    assert A.COMPLAIN_AGAIN not in offered(
        "fixed and closed repair", RESIDENT, T0 + timedelta(days=3), short
    )
    assert A.COMPLAIN_AGAIN in offered("new repair", RESIDENT, LATER), "an open case never expires"


def test_can_complain_again_reads_the_same_window() -> None:
    closed = CASES["fixed and closed repair"]
    assert decisions.can_complain_again(closed, T0 + timedelta(days=6), POLICY)
    assert not decisions.can_complain_again(closed, LATER, POLICY)
    assert not decisions.can_complain_again(CASES["cancelled repair"], T0, POLICY)


def test_a_neighbour_has_no_say_on_someone_elses_case() -> None:
    for name in CASES:
        assert offered(name, NEIGHBOUR) == set(), name


def test_staff_who_resolved_a_case_cannot_give_its_feedback() -> None:
    lead_at_home = staff(RESIDENT.user_id or 0, Role.REPAIR_LEAD)
    case = then(
        filed(),
        cmd.Acknowledge(lead_at_home, 1),
        cmd.Resolve(lead_at_home, 1, note="Fixed it myself"),
    )
    assert not set(available_actions(case, lead_at_home, T0, POLICY)) & {A.CONFIRM, A.RATE}


# --- available_actions and the decisions never drift ------------------------------------


PRIMARY = filed(Category.REPAIR, case_id=99)
COMMANDS: dict[Action, Callable[[Actor, int], cmd.CaseCommand]] = {
    A.ACKNOWLEDGE: lambda a, i: cmd.Acknowledge(a, i),
    A.ON_SITE: lambda a, i: cmd.MarkOnSite(a, i),
    A.CONTACTED: lambda a, i: cmd.RecordResidentContacted(a, i),
    A.RESOLVE: lambda a, i: cmd.Resolve(a, i, note="Done"),
    A.ESCALATE: lambda a, i: cmd.Escalate(a, i, reason="Needs a contractor"),
    A.MESSAGE_RESIDENT: lambda a, i: cmd.MessageResident(a, i, text="We come at five"),
    A.RECLASSIFY: lambda a, i: cmd.Reclassify(a, i, category=Category.CLEANING),
    A.MERGE: lambda a, i: cmd.Merge(a, i, into_case_id=PRIMARY.id),
    A.RETURN: lambda a, i: cmd.ReturnToFrontDesk(a, i, reason="Not ours"),
    A.DISMISS: lambda a, i: cmd.Dismiss(a, i),
    A.CANCEL: lambda a, i: cmd.Cancel(a, i),
    A.ADD_INFO: lambda a, i: cmd.AddInfo(a, i, text="It is worse now"),
    A.COMPLAIN_AGAIN: lambda a, i: cmd.ComplainAgain(a, i, text="Still leaking"),
    A.CONFIRM: lambda a, i: cmd.ConfirmFixed(a, i, fixed=True),
    A.RATE: lambda a, i: cmd.Rate(a, i, stars=4),
    A.COMMENT: lambda a, i: cmd.Comment(a, i, text="Thank you"),
}
ACTORS = [
    RESIDENT,
    NEIGHBOUR,
    GUARD,
    SECURITY_CAPTAIN,
    REPAIR_LEAD,
    REPAIR_SUPERVISOR,
    CLEANING_LEAD,
    FRONT_DESK,
    CS_SUPERVISOR,
    MANAGER,
    Actor.system(),
]


def accepted(action: Action, case: Case, actor: Actor, now: datetime) -> bool:
    command = COMMANDS[action](actor, case.id)
    try:
        if isinstance(command, cmd.Merge):
            decisions.merge(case, PRIMARY, command, now, POLICY)
        else:
            STEPS[type(command)](case, command, now, POLICY)
    except DomainError:
        return False
    return True


def test_every_step_has_a_command_and_belongs_to_staff_or_the_resident() -> None:
    assert set(COMMANDS) == set(Action) == STAFF_ACTIONS | RESIDENT_ACTIONS
    assert not STAFF_ACTIONS & RESIDENT_ACTIONS


@pytest.mark.parametrize("name", list(CASES))
def test_every_available_step_is_accepted_and_every_other_is_refused(name: str) -> None:
    case = CASES[name]
    for now in (T0, LATER):
        for actor in ACTORS:
            steps = available_actions(case, actor, now, POLICY)
            for action in Action:
                assert accepted(action, case, actor, now) == (action in steps), (
                    f"{action} on {name!r} by {sorted(actor.roles)} at {now}"
                )


@pytest.mark.parametrize("name", list(CASES))
def test_the_staff_steps_do_not_depend_on_the_time(name: str) -> None:
    case = CASES[name]
    for actor in ACTORS:
        for now in (T0, LATER):
            assert staff_actions(case, actor) == available_actions(case, actor, now, POLICY) & (
                STAFF_ACTIONS
            )


@pytest.mark.parametrize("name", list(CASES))
def test_a_held_back_step_is_refused_only_for_a_missing_earlier_step(name: str) -> None:
    case = CASES[name]
    for actor in ACTORS:
        for action in held_back(case, actor):
            assert action not in available_actions(case, actor, T0, POLICY)
            command = COMMANDS[action](actor, case.id)
            with pytest.raises(IllegalTransition) as refused:
                STEPS[type(command)](case, command, T0, POLICY)
            assert refused.value.details["missing"] in ("on_site", "resident_contacted")


def test_a_case_filed_critical_by_a_guard_can_be_resolved_without_a_resident_to_contact() -> None:
    report = then(
        filed(Category.SECURITY, Severity.CRITICAL, by=GUARD), cmd.Acknowledge(MANAGER, 1)
    )
    assert A.RESOLVE in available_actions(report, MANAGER, T0, POLICY)
