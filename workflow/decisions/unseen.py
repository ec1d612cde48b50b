"""A case at a rung nobody can see (no bound group, nobody holds the role) goes
on to the next rung someone can, and the admins are told. Which rungs can be
seen is an input (the shell reads it from its directory), never looked up here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from workflow.decisions.shared import Decision, Draft
from workflow.model import EscalationReason, EventKind
from workflow.notifications import NoticeKind
from workflow.reach import next_reachable
from workflow.roles import Role


def skip_unseen(
    decision: Decision, reachable: frozenset[Role], now: datetime, admins: Iterable[int]
) -> Decision:
    """`decision`, with its case moved on from a rung nobody can see to the next
    one up someone can: what was addressed to the unseen rung goes there instead,
    an ESCALATED event records why, and every admin is told. Unchanged when the
    rung is seen, the case is finished, or no rung above is seen either."""
    case = decision.case
    if not case.is_open or case.rung in reachable:
        return decision
    target = next_reachable(case.rung, reachable)
    if target is None:
        return decision
    unseen = case.rung
    d = Draft(case, now, None)
    d.case.rung = target
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
        if n.case_id == case.id and n.params.get("rung") is unseen:
            n = replace(n, params={**n.params, "rung": target})
        redirected.append(n)
    for admin in admins:
        d.tell_user(NoticeKind.RUNG_SKIPPED, admin, from_role=unseen, to=target)
    return Decision(
        [d.case, *decision.cases[1:]],
        [*decision.events, *d.events],
        [*redirected, *d.notifications],
    )
