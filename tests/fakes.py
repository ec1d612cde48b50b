"""An in-memory store for the workflow tests: the same protocol as SQLite,
with copy-on-write transactions so a refused command leaves nothing behind."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from workflow.model import Case, Category, Event, Location
from workflow.notifications import Notification
from workflow.roles import Role


class MemoryTransaction:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def get(self, case_id: int) -> Case | None:
        case = self.store.cases.get(case_id)
        return copy.deepcopy(case) if case else None

    async def get_by_ref(self, ref: str) -> Case | None:
        found = next((c for c in self.store.cases.values() if c.ref == ref), None)
        return copy.deepcopy(found) if found else None

    async def new_case_id(self) -> int:
        return max(self.store.cases, default=0) + 1

    async def next_reference(self, prefix: str, year: int) -> str:
        last = self.store.counters.get((prefix, year), 0) + 1
        self.store.counters[(prefix, year)] = last
        return f"{prefix}{year}-{last:05d}"

    async def add(self, case: Case) -> None:
        self.store.cases[case.id] = copy.deepcopy(case)

    async def save(self, case: Case) -> None:
        self.store.cases[case.id] = copy.deepcopy(case)

    async def append(self, events: Sequence[Event]) -> None:
        self.store.events.extend(events)

    async def cases_from_unit(self, unit: Location, category: Category) -> list[Case]:
        return [
            copy.deepcopy(c)
            for c in self.store.cases.values()
            if c.category is category
            and c.reporter_unit is not None
            and (c.reporter_unit.building, c.reporter_unit.unit) == (unit.building, unit.unit)
        ]

    async def reachable_rungs(self) -> frozenset[Role]:
        return self.store.reachable

    async def cases_of_reporter(self, user_id: int, limit: int = 20) -> list[Case]:
        mine = [c for c in self.store.cases.values() if c.reporter_id == user_id]
        return [copy.deepcopy(c) for c in sorted(mine, key=lambda c: -c.id)[:limit]]

    async def enqueue(self, notifications: Sequence[Notification], now: datetime) -> None:
        self.store.outbox.extend(notifications)

    async def due_case_ids(self, now: datetime, limit: int) -> list[int]:
        due = [
            (min(dl.next_at() for dl in c.deadlines.values()), c.id)
            for c in self.store.cases.values()
            if c.deadlines and min(dl.next_at() for dl in c.deadlines.values()) <= now
        ]
        return [case_id for _, case_id in sorted(due)[:limit]]


class MemoryStore:
    def __init__(self) -> None:
        self.cases: dict[int, Case] = {}
        self.events: list[Event] = []
        self.counters: dict[tuple[str, int], int] = {}
        self.outbox: list[Notification] = []
        self.reachable: frozenset[Role] = frozenset(Role)  # every rung seen, unless a test says

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[MemoryTransaction]:
        yield MemoryTransaction(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        snapshot = (
            copy.deepcopy(self.cases),
            list(self.events),
            dict(self.counters),
            list(self.outbox),
        )
        try:
            yield MemoryTransaction(self)
        except BaseException:
            self.cases, self.events, self.counters, self.outbox = snapshot
            raise
