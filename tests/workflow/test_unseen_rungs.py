"""No invisible rungs (issue 14, item 8): a case that reaches a rung nobody can
see (no bound group, nobody holds the role) goes on to the next rung someone
can, and the admins are told; decided in the core from the reachable rungs."""

from __future__ import annotations

from tests.fakes import MemoryStore
from tests.helpers import REPAIR_LEAD, DeskDriver, hours, to_role, to_users
from workflow import commands as cmd
from workflow.clock import FakeClock
from workflow.model import Category, EscalationReason, EventKind
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.reach import next_reachable
from workflow.roles import Role
from workflow.service import Desk

ADMIN = 7


def _desk(store: MemoryStore, clock: FakeClock, *unseen: Role) -> DeskDriver:
    store.reachable = frozenset(Role) - set(unseen)
    return DeskDriver(Desk(store, Policy(), clock, admins=(ADMIN,)), clock)


def test_the_next_rung_up_that_someone_can_see() -> None:
    seen = {Role.REPAIR_SUPERVISOR, Role.MANAGER}
    assert next_reachable(Role.REPAIR_LEAD, seen) is Role.REPAIR_SUPERVISOR
    assert next_reachable(Role.REPAIR_SUPERVISOR, seen) is Role.REPAIR_SUPERVISOR
    assert next_reachable(Role.MANAGER, set()) is None


async def test_a_repair_nobody_could_see_goes_to_the_repair_supervisor_and_the_admins_hear(
    memory_store: MemoryStore, clock: FakeClock
) -> None:
    desk = _desk(memory_store, clock, Role.REPAIR_LEAD)

    filed = await desk.file(Category.REPAIR)

    assert filed.case.rung is Role.REPAIR_SUPERVISOR
    assert to_role(filed, NoticeKind.NEW_CASE) == [Role.REPAIR_SUPERVISOR]
    assert Role.REPAIR_LEAD not in {n.role for n in filed.notifications}
    assert to_users(filed, NoticeKind.RUNG_SKIPPED) == [ADMIN]
    [skipped] = [e for e in filed.events if e.kind is EventKind.ESCALATED]
    assert skipped.reason is EscalationReason.UNSEEN_RUNG
    filed_notice = next(n for n in filed.notifications if n.kind is NoticeKind.FILED)
    assert filed_notice.params["rung"] is Role.REPAIR_SUPERVISOR, "the resident is told truly"


async def test_an_escalation_to_a_rung_nobody_sees_goes_on_up(
    memory_store: MemoryStore, clock: FakeClock
) -> None:
    desk = _desk(memory_store, clock, Role.REPAIR_SUPERVISOR, Role.CS_SUPERVISOR)
    filed = await desk.file(Category.REPAIR)
    assert filed.case.rung is Role.REPAIR_LEAD

    climbed = await desk.do(cmd.Escalate(REPAIR_LEAD, filed.case.id, reason="Need parts"))

    assert climbed.case.rung is Role.MANAGER
    assert to_users(climbed, NoticeKind.RUNG_SKIPPED) == [ADMIN]
    assert Role.REPAIR_SUPERVISOR not in to_role(climbed, NoticeKind.ESCALATED)


async def test_a_missed_deadline_climbs_past_an_unseen_rung(
    memory_store: MemoryStore, clock: FakeClock
) -> None:
    desk = _desk(memory_store, clock, Role.REPAIR_SUPERVISOR)
    filed = await desk.file(Category.REPAIR)

    [climbed] = await desk.after(hours(1))

    assert climbed.case.rung is Role.CS_SUPERVISOR
    assert to_users(climbed, NoticeKind.RUNG_SKIPPED) == [ADMIN]
    assert (await desk.case(filed.case.id)).rung is Role.CS_SUPERVISOR
