"""The desk: loads a case, asks `decisions` what should happen, stores the
result in one transaction and hands back what to tell whom.

Notifications are returned only after the transaction commits, so nobody is
ever told about a change that was not stored.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from workflow import commands as cmd
from workflow import decisions
from workflow.clock import Clock
from workflow.decisions import Decision
from workflow.errors import CaseNotFound
from workflow.model import Case, Category, ReporterKind
from workflow.policy import Policy
from workflow.ports import CaseStore, Transaction

SWEEP_BATCH = 200


class Desk:
    def __init__(
        self,
        store: CaseStore,
        policy: Policy,
        clock: Clock,
        timezone: ZoneInfo | None = None,
        admins: tuple[int, ...] = (),
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.timezone = timezone or ZoneInfo("Asia/Hong_Kong")
        self.admins = admins  # told when a case passes a rung nobody can see

    async def file(self, command: cmd.FileCase) -> Decision:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            earlier = None
            reporter = command.actor.user_id
            if command.reporter_kind is ReporterKind.RESIDENT and reporter is not None:
                mine = await tx.cases_of_reporter(reporter, self.policy.filing_limit + 1)
                decisions.check_filing_limit(mine, now, self.policy)
            if command.repeat_of is not None:
                linked = await tx.get(command.repeat_of)
                earlier = decisions.find_repeat(linked, command, now, self.policy)
            prefix = self.policy.reference_prefixes[command.category]
            ref = await tx.next_reference(prefix, now.astimezone(self.timezone).year)
            decision = decisions.file_case(
                command,
                case_id=await tx.new_case_id(),
                ref=ref,
                now=now,
                policy=self.policy,
                earlier=earlier,
            )
            seen = await tx.reachable_rungs()
            decision = decisions.skip_unseen(decision, seen, now, self.admins, self.policy)
            decision = decisions.calm(decision, now, self.policy)
            await tx.add(decision.case)
            await tx.append(decision.events)
            await tx.enqueue(decision.notifications, now)
        return decision

    async def link_offer(self, reporter_id: int, category: Category) -> Case | None:
        """The resident's earlier case to ask about before filing this category."""
        async with self.store.reading() as tx:
            mine = await tx.cases_of_reporter(reporter_id, 50)
        return decisions.link_offer(mine, reporter_id, category, self.clock.now(), self.policy)

    async def execute(self, command: cmd.CaseCommand) -> Decision:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            case = await _load(tx, command.case_id)
            if isinstance(command, cmd.Merge):
                primary = await _load(tx, command.into_case_id)
                decision = decisions.merge(case, primary, command, now, self.policy)
            else:
                decision = decisions.STEPS[type(command)](case, command, now, self.policy)
            if decision.case.rung is not case.rung:
                seen = await tx.reachable_rungs()
                decision = decisions.skip_unseen(decision, seen, now, self.admins, self.policy)
            decision = decisions.calm(decision, now, self.policy)
            for changed in decision.cases:
                await tx.save(changed)
            await tx.append(decision.events)
            await tx.enqueue(decision.notifications, now)
        return decision

    async def sweep(self) -> list[Decision]:
        """Fire every timer that is due now. Each case is ticked in its own
        transaction and re-checked inside it, so a timer met a moment ago (or
        fired by an overlapping sweep) does nothing."""
        now = self.clock.now()
        fired: list[Decision] = []
        while True:
            async with self.store.reading() as tx:  # every second: no write lock to look
                due = await tx.due_case_ids(now, SWEEP_BATCH)
            progressed = False
            for case_id in due:
                async with self.store.transaction() as tx:
                    case = await tx.get(case_id)
                    # Stamped when it fires: a long sweep's last case is logged as late as it was.
                    fired_at = self.clock.now()
                    decision = decisions.tick(case, fired_at, self.policy) if case else None
                    if decision is None:
                        continue
                    if case is not None and decision.case.rung is not case.rung:
                        seen = await tx.reachable_rungs()
                        decision = decisions.skip_unseen(
                            decision, seen, fired_at, self.admins, self.policy
                        )
                    decision = decisions.calm(decision, fired_at, self.policy)
                    await tx.save(decision.case)
                    await tx.append(decision.events)
                    await tx.enqueue(decision.notifications, fired_at)
                progressed = True
                fired.append(decision)
            if len(due) < SWEEP_BATCH or not progressed:
                return fired

    async def get(self, case_id: int) -> Case:
        async with self.store.reading() as tx:
            return await _load(tx, case_id)

    async def get_by_ref(self, ref: str) -> Case:
        async with self.store.reading() as tx:
            case = await tx.get_by_ref(ref)
        if case is None:
            raise CaseNotFound(f"no case {ref}", ref=ref)
        return case


async def _load(tx: Transaction, case_id: int) -> Case:
    case = await tx.get(case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id}", case_id=case_id)
    return case
