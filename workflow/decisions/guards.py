"""Whether a step may happen: who may take it, and in which states.

One check per step a person can take on a case. Each raises the
`DomainError` the step would end in, or returns when the step may go ahead.
The decisions call them before changing anything, and `available_actions`
calls the very same ones, so what a card offers and what the desk accepts
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from workflow.errors import IllegalTransition, InvalidCommand, NotAllowed
from workflow.model import OPEN_STATUSES, Actor, Case, Category, Severity, Status, Team
from workflow.permissions import SUPERVISING_ROLES
from workflow.policy import Policy
from workflow.roles import Role, ladder_from, rung_above
from workflow.routing import Route

RECLASSIFIABLE = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.REOPENED})


def staff_roles_for(case: Case) -> frozenset[Role]:
    """Roles that may act on a case: its first handler's ladder and the ladder
    of the rung it sits on now (lower rungs keep seeing an escalated case)."""
    return frozenset(ladder_from(case.first_handler)) | frozenset(ladder_from(case.rung))


def require_staff(case: Case, actor: Actor, action: str) -> None:
    if not actor.roles & staff_roles_for(case):
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def require_supervising(case: Case, actor: Actor, action: str) -> None:
    """Reclassify and merge belong to the front desk and the supervisors."""
    allowed = SUPERVISING_ROLES & (staff_roles_for(case) | {Role.FRONT_DESK})
    if not actor.roles & allowed:
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def require_reporter(case: Case, actor: Actor, action: str) -> None:
    """The resident who filed the case. Followers (residents whose duplicate was
    merged into it) hear its notices but take none of the reporter's steps."""
    if actor.user_id is None or not case.has_resident or actor.user_id != case.reporter_id:
        raise NotAllowed(f"not allowed to {action} {case.ref}", case=case.ref, action=action)


def require_status(case: Case, allowed: Iterable[Status], action: str) -> None:
    if case.status not in allowed:
        raise IllegalTransition(
            f"cannot {action} {case.ref}: it is {case.status}",
            case=case.ref,
            status=case.status,
            action=action,
        )


# --- staff steps ----------------------------------------------------------


def check_acknowledge(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "acknowledge")
    if case.status in (Status.ACKNOWLEDGED, Status.ON_SITE):
        raise IllegalTransition(
            f"{case.ref} was already acknowledged",
            case=case.ref,
            status=case.status,
            action="acknowledge",
            by=case.acknowledged_by,
        )
    require_status(case, (Status.NEW, Status.REOPENED), "acknowledge")


def check_on_site(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "mark on site")
    require_status(case, (Status.NEW, Status.REOPENED, Status.ACKNOWLEDGED), "mark on site")


def check_contacted(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "record contact for")
    require_status(case, OPEN_STATUSES, "record contact for")


def missing_before_resolve(case: Case) -> str | None:
    """A critical case with a resident is resolved only once someone went on
    site and the resident was contacted: the step still missing, if any."""
    if case.severity is not Severity.CRITICAL or not case.has_resident:
        return None
    if case.on_site_at is None:
        return "on_site"
    if case.resident_contacted_at is None:
        return "resident_contacted"
    return None


def check_resolve(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "resolve")
    require_status(case, (Status.ACKNOWLEDGED, Status.ON_SITE), "resolve")
    missing = missing_before_resolve(case)
    if missing is not None:
        raise IllegalTransition(
            f"{case.ref} is critical: record 'on site' and 'resident contacted' first",
            case=case.ref,
            status=case.status,
            action="resolve",
            missing=missing,
        )


def check_escalate(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "escalate")
    require_status(case, OPEN_STATUSES, "escalate")
    if rung_above(case.rung) is None:
        raise IllegalTransition(
            f"{case.ref} is already at the top",
            case=case.ref,
            status=case.status,
            action="escalate",
        )


def check_reclassify(case: Case, actor: Actor) -> None:
    require_supervising(case, actor, "reclassify")
    require_status(case, RECLASSIFIABLE, "reclassify")


GUARD_TEAMS = frozenset({Team.GUARDS, Team.SECURITY})


def about_guards(category: Category, about_team: Team | None) -> bool:
    """A complaint about the guards: about security, or about the staff of the
    security team or the guards."""
    return category is Category.SECURITY or (
        category is Category.MANAGEMENT and about_team in GUARD_TEAMS
    )


def check_routing(case: Case, category: Category, about_team: Team | None, route: Route) -> None:
    """The routing invariants, checked on every reclassify: a complaint about
    the guards (as filed or as reclassified) never reaches a guard."""
    concerned = (
        case.about_guards
        or about_guards(case.category, case.about_team)
        or about_guards(category, about_team)
    )
    if concerned and Role.GUARD in (route.handler, *route.informed):
        raise NotAllowed(
            f"{case.ref} is a complaint about the guards: it cannot go to a guard",
            case=case.ref,
            action="reclassify",
            guards_complaint=True,
        )


def check_merge(duplicate: Case, actor: Actor) -> None:
    """The duplicate's side of a merge (the primary is checked by `merge`)."""
    require_supervising(duplicate, actor, "merge")
    require_status(duplicate, OPEN_STATUSES, "merge")


def check_return(case: Case, actor: Actor) -> None:
    require_staff(case, actor, "return")
    require_status(case, RECLASSIFIABLE, "return")
    if case.rung is Role.FRONT_DESK:
        raise IllegalTransition(
            f"{case.ref} is already with the front desk",
            case=case.ref,
            status=case.status,
            action="return",
        )


def check_message_resident(case: Case, actor: Actor) -> None:
    if not actor.roles & (staff_roles_for(case) | {Role.FRONT_DESK}):
        raise NotAllowed(f"not allowed to message about {case.ref}", case=case.ref)
    if not case.has_resident:
        raise InvalidCommand(f"{case.ref} has no resident to write to", field="case")


def check_dismiss(case: Case, actor: Actor) -> None:
    if Role.FRONT_DESK not in actor.roles and not actor.roles & SUPERVISING_ROLES:
        raise NotAllowed(f"not allowed to dismiss {case.ref}", case=case.ref)
    if case.category is not Category.SITE_CONDITION:
        raise InvalidCommand(f"{case.ref} is not a site report", field="case")
    require_status(case, (Status.NEW,), "dismiss")


# --- the resident's side -----------------------------------------------------


def check_details(case: Case, actor: Actor) -> None:
    """A case's details (its description, timeline and follow-up buttons) are
    its reporter's; a follower reads only the notices it was sent."""
    require_reporter(case, actor, "read")


def check_cancel(case: Case, actor: Actor) -> None:
    require_reporter(case, actor, "cancel")
    require_status(case, (Status.NEW,), "cancel")


def check_add_info(case: Case, actor: Actor) -> None:
    require_reporter(case, actor, "add information to")
    require_status(case, OPEN_STATUSES, "add information to")


def check_complain_again_window(case: Case, now: datetime, policy: Policy) -> None:
    """A second complaint reaches an open case, or one resolved or closed
    within the repeat window; anything older is a new case."""
    require_status(case, OPEN_STATUSES | {Status.RESOLVED, Status.CLOSED}, "complain again about")
    if not case.is_open:
        finished = case.closed_at or case.resolved_at or case.created_at
        if now - finished > policy.repeat_window:
            raise IllegalTransition(
                f"{case.ref} was closed too long ago; file a new case",
                case=case.ref,
                status=case.status,
                action="complain again",
                too_late=True,
            )


def can_complain_again(case: Case, now: datetime, policy: Policy) -> bool:
    """Whether the case's reporter may still complain again about it now."""
    try:
        check_complain_again_window(case, now, policy)
    except IllegalTransition:
        return False
    return True


def check_complain_again(case: Case, actor: Actor, now: datetime, policy: Policy) -> None:
    require_reporter(case, actor, "complain again about")
    check_complain_again_window(case, now, policy)


def check_feedback_giver(case: Case, actor: Actor, action: str) -> None:
    require_reporter(case, actor, action)
    if actor.user_id is not None and actor.user_id == case.resolved_by:
        raise NotAllowed(
            f"the person who resolved {case.ref} cannot give its feedback",
            case=case.ref,
            action=action,
        )


def _feedback_given(case: Case, action: str) -> IllegalTransition:
    return IllegalTransition(
        f"feedback on {case.ref} was already given",
        case=case.ref,
        status=case.status,
        action=action,
        feedback_given=True,
    )


def check_confirm(case: Case, actor: Actor) -> None:
    check_feedback_giver(case, actor, "confirm")
    if case.confirmed_fixed is not None or case.status is not Status.RESOLVED:
        raise _feedback_given(case, "confirm")


def check_rate(case: Case, actor: Actor) -> None:
    check_feedback_giver(case, actor, "rate")
    if case.rating is not None or case.status is not Status.RESOLVED:
        raise _feedback_given(case, "rate")


def check_comment(case: Case, actor: Actor) -> None:
    check_feedback_giver(case, actor, "comment on")
    if case.rating is None or case.feedback_comment is not None:
        raise IllegalTransition(
            f"no comment can be added to {case.ref} now",
            case=case.ref,
            status=case.status,
            action="comment",
            feedback_given=True,
        )
