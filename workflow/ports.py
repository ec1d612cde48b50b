"""What the service layer needs from storage, as protocols, so the core names
no database."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from workflow.model import Case, Category, Event, Location
from workflow.notifications import Notification


class Transaction(Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    async def get(self, case_id: int) -> Case | None: ...

    async def get_by_ref(self, ref: str) -> Case | None: ...

    async def new_case_id(self) -> int: ...

    async def next_reference(self, prefix: str, year: int) -> str: ...

    async def add(self, case: Case) -> None: ...

    async def save(self, case: Case) -> None: ...

    async def append(self, events: Sequence[Event]) -> None: ...

    async def cases_from_unit(self, unit: Location, category: Category) -> list[Case]: ...

    async def due_case_ids(self, now: datetime, limit: int) -> list[int]: ...

    async def enqueue(self, notifications: Sequence[Notification], now: datetime) -> None:
        """Keep notifications for delivery once this transaction has committed."""
        ...


class CaseStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        """For look-ups only: sees what was last committed, never waits for a writer."""
        ...
