"""What the service layer needs from storage, as protocols, so the core names
no database."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from workflow.bulletins import Bulletin, BulletinStatus, SendKind
from workflow.directory import Invite, Person, RoleGroup
from workflow.incidents import Incident, Link
from workflow.model import Case, Category, Event, Location
from workflow.notifications import Notice, Notification
from workflow.roles import Role
from workflow.roster import DutyRow, Scan
from workflow.surveys import Answer, Survey
from workflow.surveys import SendKind as SurveySendKind


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


class BulletinTables(Protocol):
    """Notices to residents and each resident's copy of them."""

    async def residents(self) -> list[Person]: ...

    async def add_bulletin(self, bulletin: Bulletin) -> int: ...

    async def save_bulletin(self, bulletin: Bulletin) -> None: ...

    async def bulletin(self, bulletin_id: int) -> Bulletin | None: ...

    async def recent_bulletins(self, limit: int) -> list[Bulletin]: ...

    async def bulletins_received(self, user_id: int, limit: int) -> list[Bulletin]: ...

    async def due_bulletins(self, now: datetime) -> list[Bulletin]: ...

    async def add_sends(
        self, bulletin_id: int, user_ids: Sequence[int], kind: SendKind, now: datetime
    ) -> None: ...

    async def received_by(self, bulletin_id: int) -> list[tuple[int, int | None]]: ...

    async def cancel_pending_sends(self, bulletin_id: int, now: datetime) -> None: ...

    async def send_counts(self, bulletin_id: int, kind: SendKind) -> dict[str, int]: ...

    async def set_bulletin_status(self, bulletin_id: int, status: BulletinStatus) -> None: ...


class IncidentTables(Protocol):
    """Known incidents and the complaints linked to them."""

    async def add_incident(self, incident: Incident) -> int: ...

    async def save_incident(self, incident: Incident) -> None: ...

    async def incident(self, incident_id: int) -> Incident | None: ...

    async def open_incidents(self, category: Category | None = None) -> list[Incident]: ...

    async def link_to_incident(self, link: Link) -> None: ...

    async def unlink_from_incident(self, incident_id: int, user_id: int) -> bool: ...

    async def linked_people(self, incident_id: int) -> list[int]: ...

    async def links_between(self, start: datetime, end: datetime) -> list[Link]: ...


class SurveyTables(Protocol):
    """Opinion surveys, who each was sent to, and each answer as it was given."""

    async def add_survey(self, survey: Survey) -> int: ...

    async def save_survey(self, survey: Survey) -> None: ...

    async def survey(self, survey_id: int) -> Survey | None:
        """With its counts of invited and finished residents."""
        ...

    async def recent_surveys(self, limit: int) -> list[Survey]: ...

    async def surveys_due(self, now: datetime) -> list[Survey]:
        """Open surveys whose closing time has come."""
        ...

    async def reminders_due(self, now: datetime) -> list[Survey]:
        """Open surveys whose one reminder is due and not yet sent."""
        ...

    async def surveys_closed_between(self, start: datetime, end: datetime) -> list[Survey]: ...

    async def surveys_closed_before(self, end: datetime, limit: int) -> list[Survey]:
        """The last `limit` surveys closed before `end`, oldest first."""
        ...

    async def add_invites(self, survey_id: int, user_ids: Sequence[int], now: datetime) -> None: ...

    async def add_survey_sends(
        self, survey_id: int, user_ids: Sequence[int], kind: SurveySendKind, now: datetime
    ) -> None:
        """Invitations or reminders to send (delivery/surveys.py sends them), once each."""
        ...

    async def cancel_survey_sends(self, survey_id: int, now: datetime) -> None:
        """What was not sent yet of a survey that closed is not sent."""
        ...

    async def survey_send_counts(self, survey_id: int, kind: SurveySendKind) -> dict[str, int]: ...

    async def survey_invite(self, survey_id: int, user_id: int) -> tuple[int, bool] | None:
        """The question this resident answers next and whether they finished;
        None if the survey was not sent to them."""
        ...

    async def unfinished_invites(self, survey_id: int) -> list[int]: ...

    async def open_invites_of(self, user_id: int) -> list[tuple[int, int]]:
        """The open surveys this resident has not finished, newest first, with the
        question each is at."""
        ...

    async def save_answer(
        self, survey_id: int, user_id: int, question: int, answer: Answer, now: datetime
    ) -> None: ...

    async def advance(
        self, survey_id: int, user_id: int, at: int | None, finished_at: datetime | None
    ) -> None: ...

    async def answers_of(self, survey_id: int, user_id: int) -> dict[int, Answer]: ...

    async def survey_answers(self, survey_id: int) -> dict[int, dict[int, Answer]]:
        """Every respondent's answers by question number."""
        ...


class ShellTransaction(
    Transaction,
    CaseReading,
    DirectoryTables,
    DutyTables,
    KeyedState,
    Announcing,
    BulletinTables,
    IncidentTables,
    SurveyTables,
    Protocol,
):
    """Everything the application services around the core use, in one unit of work."""


class ShellStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ShellTransaction]: ...

    def reading(self) -> AbstractAsyncContextManager[ShellTransaction]:
        """For look-ups only: sees what was last committed, never waits for a writer."""
        ...
