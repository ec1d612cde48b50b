"""A case at a rung nobody can see (no bound group, nobody holds the role) goes
on to the next rung someone can, and the admins are told. Which rungs can be
seen is an input (the shell reads it from its directory), never looked up here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from workflow.decisions.shared import (
    Decision,
    Draft,
    promise,
    start_service_deadlines,
    stop,
)
from workflow.model import DeadlineKind, EscalationReason, EventKind
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.reach import next_reachable
from workflow.roles import Role


def skip_unseen(
    decision: Decision,
    reachable: frozenset[Role],
    now: datetime,
    admins: Iterable[int],
    policy: Policy,
) -> Decision:
    """`decision`, with its case moved on from a rung nobody can see to the next
    one up someone can: what was addressed to the unseen rung goes there instead,
    an ESCALATED event records why, and every admin is told. Unchanged when the
    rung is seen, the case is finished, or no rung above is seen either.

    The resident is told nothing more: what they are told in this decision
    names the rung that really has the case. Only if that rung keeps other
    hours does the skip change what they are promised; the wait for an
    acknowledgement then runs in its hours, and a confirmation in this
    decision says when that is."""
    case = decision.case
    if not case.is_open or case.rung in reachable:
        return decision
    target = next_reachable(case.rung, reachable)
    if target is None:
        return decision
    unseen = case.rung
    d = Draft(case, now, None)
    d.case.rung = target
    hours = policy.hours
    retimed = DeadlineKind.ACKNOWLEDGE in d.case.deadlines and hours.calendar_for(
        d.case, unseen
    ) is not hours.calendar_for(d.case, target)
    if retimed:
        stop(d, DeadlineKind.ACKNOWLEDGE)
        start_service_deadlines(d, policy, [DeadlineKind.ACKNOWLEDGE])
    d.event(
        EventKind.ESCALATED,
        reason=EscalationReason.UNSEEN_RUNG,
        from_role=unseen,
        to_role=target,
        overdue={},
        note="",
    )
    redirected = []
    for n in decision.notifications:
        if n.case_id == case.id and n.role is unseen:
            n = replace(n, role=target)
        for name in ("rung", "to"):  # who it went to, as everyone is told
            if n.case_id == case.id and n.params.get(name) is unseen:
                n = replace(n, params={**n.params, name: target})
        if retimed and n.case_id == case.id and n.kind is NoticeKind.FILED:
            n = replace(n, params={**n.params, **promise(d.case, now, policy)})
        redirected.append(n)
    for admin in admins:
        d.tell_user(NoticeKind.RUNG_SKIPPED, admin, from_role=unseen, to=target)
    return Decision(
        [d.case, *decision.cases[1:]],
        [*decision.events, *d.events],
        [*redirected, *d.notifications],
    )
