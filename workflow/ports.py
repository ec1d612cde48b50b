"""What the service layer needs from storage, as protocols, so the core names
no database."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from workflow.directory import Invite, Person, RoleGroup
from workflow.model import Case, Category, Event, Location
from workflow.notifications import Notice, Notification
from workflow.roles import Role
from workflow.roster import DutyRow, Scan


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

    async def cases_of_reporter(self, user_id: int, limit: int = 20) -> list[Case]: ...

    async def reachable_rungs(self) -> frozenset[Role]:
        """The roles someone can see: a working bound group, or a reachable holder."""
        ...

    async def due_case_ids(self, now: datetime, limit: int) -> list[int]: ...

    async def enqueue(self, notifications: Sequence[Notification], now: datetime) -> None:
        """Keep notifications for delivery once this transaction has committed."""
        ...


class CaseStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    def reading(self) -> AbstractAsyncContextManager[Transaction]:
        """For look-ups only: sees what was last committed, never waits for a writer."""
        ...


class CaseReading(Protocol):
    """Look-ups of cases and their history, for the screens that show them."""

    async def get(self, case_id: int) -> Case | None: ...

    async def get_by_ref(self, ref: str) -> Case | None: ...

    async def cases_of_reporter(self, user_id: int, limit: int = 20) -> list[Case]: ...

    async def open_cases(self, limit: int = 500) -> list[Case]: ...

    async def cases_created_between(self, start: datetime, end: datetime) -> list[Case]: ...

    async def events_of_case(self, case_id: int) -> list[Event]: ...

    async def events_of_cases_filed(self, start: datetime, end: datetime) -> list[Event]: ...


class DirectoryTables(Protocol):
    """People, the groups bound to roles, and staff invites."""

    async def person(self, user_id: int) -> Person | None: ...

    async def save_person(self, person: Person, now: datetime) -> None: ...

    async def people_with_role(self, role: Role) -> list[Person]: ...

    async def staff(self) -> list[Person]: ...

    async def role_group(self, role: Role) -> RoleGroup | None: ...

    async def role_groups(self) -> list[RoleGroup]: ...

    async def bind_group(self, group: RoleGroup) -> None: ...

    async def unbind_group(self, chat_id: int) -> list[Role]: ...

    async def mark_group_broken(
        self, chat_id: int, reason: str, now: datetime
    ) -> list[RoleGroup]: ...

    async def restore_group(self, chat_id: int) -> list[RoleGroup]: ...

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> list[Role]: ...

    async def mark_reachable(self, user_id: int, now: datetime, since: timedelta) -> int: ...

    async def add_invite(self, invite: Invite) -> None: ...

    async def invite(self, token: str) -> Invite | None: ...

    async def use_invite(self, token: str, user_id: int) -> None: ...


class DutyTables(Protocol):
    """Guards' duty, checkpoint scans and the shift log."""

    async def set_duty(self, user_id: int, on_duty: bool, now: datetime) -> None: ...

    async def duty_rows(self) -> list[DutyRow]: ...

    async def add_scan(self, checkpoint: str, user_id: int, at: datetime) -> None: ...

    async def scans_since(self, since: datetime) -> list[Scan]: ...

    async def add_note(self, user_id: int, text: str, at: datetime) -> None: ...

    async def notes_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[int, str, datetime]]: ...


class KeyedState(Protocol):
    """Small keyed JSON values: marks that something was done, pending prompts."""

    async def state(self, kind: str) -> dict[str, Any]: ...

    async def put_state(self, kind: str, key: str, value: Any) -> None:
        """`None` removes the key."""
        ...


class Announcing(Protocol):
    """The outbox, for what belongs to no case (delivered once the transaction commits)."""

    async def enqueue_notices(self, notices: Sequence[Notice], now: datetime) -> None: ...


class ShellTransaction(
    Transaction, CaseReading, DirectoryTables, DutyTables, KeyedState, Announcing, Protocol
):
    """Everything the application services around the core use, in one unit of work."""


class ShellStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ShellTransaction]: ...

    def reading(self) -> AbstractAsyncContextManager[ShellTransaction]:
        """For look-ups only: sees what was last committed, never waits for a writer."""
        ...
