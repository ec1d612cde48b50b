"""Cases as the screens read them (My cases, a case's timeline, /overview,
reports), and the small marks the shell keeps: prompts waiting for a reply,
things done once. Reads never take the write lock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from workflow.directory import Person
from workflow.model import Case, Event
from workflow.notifications import Notice
from workflow.ports import ShellStore


class Casebook:
    def __init__(self, store: ShellStore) -> None:
        self.store = store

    async def case(self, case_id: int) -> Case | None:
        async with self.store.reading() as tx:
            return await tx.get(case_id)

    async def case_by_ref(self, ref: str) -> Case | None:
        async with self.store.reading() as tx:
            return await tx.get_by_ref(ref)

    async def cases(self, case_ids: list[int]) -> list[Case]:
        """The cases among `case_ids` that exist, in that order."""
        async with self.store.reading() as tx:
            found = [await tx.get(i) for i in case_ids]
        return [c for c in found if c is not None]

    async def cases_of_reporter(self, user_id: int, limit: int) -> list[Case]:
        async with self.store.reading() as tx:
            return await tx.cases_of_reporter(user_id, limit)

    async def open_cases(self) -> list[Case]:
        async with self.store.reading() as tx:
            return await tx.open_cases()

    async def events_of_case(self, case_id: int) -> list[Event]:
        async with self.store.reading() as tx:
            return await tx.events_of_case(case_id)

    async def events_of_cases_filed(self, start: datetime, end: datetime) -> list[Event]:
        async with self.store.reading() as tx:
            return await tx.events_of_cases_filed(start, end)

    async def register_rows(
        self, start: datetime, end: datetime
    ) -> tuple[list[Case], list[Event], dict[int, Person]]:
        """The cases filed in [start, end), their events and the people they name."""
        async with self.store.reading() as tx:
            cases = await tx.cases_created_between(start, end)
            events = [e for c in cases for e in await tx.events_of_case(c.id)]
            ids = (
                {c.reporter_id for c in cases}
                | {c.acknowledged_by for c in cases}
                | {c.resolved_by for c in cases}
                | {e.actor_id for e in events}
            )
            people: dict[int, Person] = {}
            for user_id in ids:
                if user_id is not None and (person := await tx.person(user_id)):
                    people[user_id] = person
        return cases, events, people


class Marks:
    """Small keyed values the shell remembers across restarts."""

    def __init__(self, store: ShellStore) -> None:
        self.store = store

    async def get(self, kind: str, key: str) -> Any:
        async with self.store.reading() as tx:
            return (await tx.state(kind)).get(key)

    async def all(self, kind: str) -> dict[str, Any]:
        async with self.store.reading() as tx:
            return await tx.state(kind)

    async def put(
        self,
        kind: str,
        key: str,
        value: Any,
        tell: Sequence[Notice] = (),
        now: datetime | None = None,
        forget: Iterable[str] = (),
    ) -> None:
        """`None` forgets the key. `tell`: notices that announce what the mark
        records, written to the outbox in the same transaction (`now` stamps them).
        `forget`: other keys of this kind to drop in the same transaction."""
        async with self.store.transaction() as tx:
            for old in forget:
                if old != key:
                    await tx.put_state(kind, old, None)
            await tx.put_state(kind, key, value)
            if tell:
                await tx.enqueue_notices(tell, _stamp(now))

    async def claim(
        self, kind: str, key: str, tell: Sequence[Notice] = (), now: datetime | None = None
    ) -> bool:
        """Mark `key` done unless it already was: True for the one caller that
        marked it (claim before acting, so it happens once). `tell`: notices
        written with the mark, in one transaction, so they go out exactly once."""
        if await self.get(kind, key) is not None:
            return False  # the usual case: no write transaction
        async with self.store.transaction() as tx:
            if key in await tx.state(kind):
                return False
            await tx.put_state(kind, key, True)
            if tell:
                await tx.enqueue_notices(tell, _stamp(now))
        return True


def _stamp(now: datetime | None) -> datetime:
    if now is None:
        raise ValueError("notices need the time they were written (from the desk's clock)")
    return now
