"""What may happen next to a case, and who may make it happen.

`available_actions` answers with the very checks the decisions run
(`workflow.decisions.guards`), so a step is available exactly when its
decision would accept it from that actor at that time: a card, a list or a
menu built from it never offers what the desk would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from workflow.decisions import guards
from workflow.errors import DomainError, IllegalTransition
from workflow.model import Actor, Case
from workflow.policy import Policy
from workflow.roles import Role


class Action(StrEnum):
    """A step a person can take on a case (the buttons on cards and menus)."""

    ACKNOWLEDGE = "ack"
    ON_SITE = "on_site"
    CONTACTED = "contacted"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    MESSAGE_RESIDENT = "message_resident"
    RECLASSIFY = "reclassify"
    MERGE = "merge"
    RETURN = "return"
    DISMISS = "dismiss"
    CANCEL = "cancel"
    ADD_INFO = "add_info"
    COMPLAIN_AGAIN = "complain_again"
    CONFIRM = "confirm"
    RATE = "rate"
    COMMENT = "comment"


_StaffCheck = Callable[[Case, Actor], None]

STAFF_CHECKS: dict[Action, _StaffCheck] = {
    Action.ACKNOWLEDGE: guards.check_acknowledge,
    Action.ON_SITE: guards.check_on_site,
    Action.CONTACTED: guards.check_contacted,
    Action.RESOLVE: guards.check_resolve,
    Action.ESCALATE: guards.check_escalate,
    Action.MESSAGE_RESIDENT: guards.check_message_resident,
    Action.RECLASSIFY: guards.check_reclassify,
    Action.MERGE: guards.check_merge,
    Action.RETURN: guards.check_return,
    Action.DISMISS: guards.check_dismiss,
}
RESIDENT_CHECKS: dict[Action, _StaffCheck] = {
    Action.CANCEL: guards.check_cancel,
    Action.ADD_INFO: guards.check_add_info,
    Action.CONFIRM: guards.check_confirm,
    Action.RATE: guards.check_rate,
    Action.COMMENT: guards.check_comment,
}
STAFF_ACTIONS: frozenset[Action] = frozenset(STAFF_CHECKS)
RESIDENT_ACTIONS: frozenset[Action] = frozenset(RESIDENT_CHECKS) | {Action.COMPLAIN_AGAIN}


def refusal(
    action: Action, case: Case, actor: Actor, now: datetime, policy: Policy
) -> DomainError | None:
    """Why `actor` may not take `action` on `case` now, or None when they may.

    Only the case and the actor are judged; what the step carries (a note, a
    rating, the category to move to) is checked by the decision itself."""
    try:
        if action is Action.COMPLAIN_AGAIN:
            guards.check_complain_again(case, actor, now, policy)
        else:
            (STAFF_CHECKS.get(action) or RESIDENT_CHECKS[action])(case, actor)
    except DomainError as error:
        return error
    return None


def available_actions(case: Case, actor: Actor, now: datetime, policy: Policy) -> frozenset[Action]:
    """Every step `actor` may take on `case` at `now`: each one its decision
    would accept (given a well-formed command), every other one it refuses."""
    return frozenset(a for a in Action if refusal(a, case, actor, now, policy) is None)


def may_read_details(case: Case, actor: Actor) -> bool:
    """Whether `actor` may open `case`'s details in My cases: its reporter only,
    not a resident following it after a merge."""
    try:
        guards.check_details(case, actor)
    except DomainError:
        return False
    return True


def may_read_full_text(case: Case, actor: Actor) -> bool:
    """Whether `actor` may have a case's whole description sent (a card shows
    its start): the staff whose groups see the case's card, and the front desk."""
    return bool(actor.roles & (guards.staff_roles_for(case) | {Role.FRONT_DESK}))


def staff_actions(case: Case, actor: Actor) -> frozenset[Action]:
    """The staff steps among `available_actions`. They depend on neither the
    time nor the policy, so a card can be drawn without a clock."""
    allowed = set()
    for action, check in STAFF_CHECKS.items():
        try:
            check(case, actor)
        except DomainError:
            continue
        allowed.add(action)
    return frozenset(allowed)


def held_back(case: Case, actor: Actor) -> frozenset[Action]:
    """Staff steps refused only because an earlier step is still missing (a
    critical case is resolved once someone is on site and the resident was
    contacted). Not available, but a card keeps showing them: a press then
    says which step is missing."""
    held = set()
    for action, check in STAFF_CHECKS.items():
        try:
            check(case, actor)
        except IllegalTransition as error:
            if "missing" in error.details:
                held.add(action)
        except DomainError:
            continue
    return frozenset(held)
