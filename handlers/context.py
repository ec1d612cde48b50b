"""What handlers run with: the services (built once by `bot.app`, kept on the
Application) and `DeskContext`, the typed context PTB hands every handler,
which reads who is talking, in which language, once per update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from delivery.records import Card
from delivery.replies import Replies
from views.i18n import Translator, translator_for
from workflow.bulletin_service import Bulletins
from workflow.casebook_service import Casebook, Marks
from workflow.clock import Clock
from workflow.directory import Person
from workflow.directory_service import Directory
from workflow.duty_service import Duty
from workflow.estate import EstateConfig, PerLanguage
from workflow.incident_service import Incidents
from workflow.model import Actor, Case
from workflow.roles import Role
from workflow.service import Desk
from workflow.survey_service import Surveys

SERVICES_KEY = "estate_desk.services"


class Outbound(Protocol):
    """The little handlers ask of the courier directly."""

    def wake(self) -> None:
        """Something new is in the outbox: deliver it soon."""
        ...

    async def deliver_now(self, case_id: int, user_id: int, in_place: int | None = None) -> bool:
        """Deliver this case's notices to this person now (the resident who just
        filed), the first as an edit of message `in_place` of their chat where
        one is given; True if that message was edited. The case's other notices
        (the staff's) go with the courier's round, which this wakes."""
        ...

    async def refresh_cards(self, case: Case) -> None:
        """Redraw the case's cards (a press on a card that was out of date)."""
        ...


class Waker(Protocol):
    def wake(self) -> None:
        """Something new is waiting to be sent (a notice to residents, an incident card)."""
        ...


class Boards(Protocol):
    """What handlers read about the messages the courier posted."""

    async def cards_of(self, case_ids: list[int]) -> dict[int, list[Card]]:
        """Each case's cards (the staff messages showing it)."""
        ...

    async def digest_cases(self, digest_id: int) -> list[int] | None:
        """The cases a digest lists; None if there is no such digest."""
        ...


@dataclass(frozen=True, slots=True)
class CompanyEstate:
    """One estate of the company, as the company role's commands read it."""

    id: str
    estate: EstateConfig
    casebook: Casebook


class CompanyDesk(Protocol):
    """A company of estates served by one deployment (bot/company.py): who holds
    the company role, and every estate's cases to compute figures from."""

    @property
    def name(self) -> PerLanguage: ...

    async def is_staff(self, user_id: int) -> bool:
        """Whether this person holds the company role (read from the database)."""
        ...

    def estates(self) -> Sequence[CompanyEstate]:
        """Every estate of the company, in the company file's order."""
        ...


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """How the running bot is doing, as /health shows an admin."""

    version: str
    started_at: datetime
    last_update_at: datetime | None
    database_bytes: int
    open_by_rung: dict[Role, int]
    outbox_waiting: int
    unreachable: list[Role]
    last_backup: tuple[str, datetime] | None


class Health(Protocol):
    """What /health reads; implemented by the bot (bot/health.py)."""

    async def snapshot(self) -> HealthSnapshot: ...


@dataclass
class Services:
    estate: EstateConfig
    desk: Desk
    clock: Clock
    directory: Directory
    duty: Duty
    casebook: Casebook
    marks: Marks
    outbound: Outbound
    boards: Boards
    bulletins: Bulletins
    incidents: Incidents
    broadcast: Waker
    surveys: Surveys
    survey_delivery: Waker  # the sender of survey invitations and reminders
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    health: Health | None = None
    company: CompanyDesk | None = None  # an estate of a company: the company role's view

    def translator(self, language: str | None) -> Translator:
        """A translator for this language, else the estate's default."""
        return translator_for(self.estate, language)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    found = application.bot_data.get(SERVICES_KEY)
    if not isinstance(found, Services):
        raise RuntimeError("the application was built without its services")
    return found


def actor_from(person: Person | None, user_id: int | None) -> Actor:
    """The roles someone holds come from the directory, never from the chat
    they happen to press a button in."""
    roles = set(person.staff_roles) if person else set()
    if person is not None and person.is_resident:
        roles.add(Role.RESIDENT)
    return Actor(user_id, frozenset(roles))


_UNSET: Any = object()


class DeskContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context, plus the services and who sent this update (read once)."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.incoming: Update | None = None
        self._person: Person | None = _UNSET
        self._translator: Translator | None = None
        self._chat_translator: Translator | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> DeskContext:
        context: DeskContext = super().from_update(update, application)
        context.incoming = update if isinstance(update, Update) else None
        return context

    # --- the services ---------------------------------------------------------------

    @property
    def services(self) -> Services:
        return services_of(self.application)

    @property
    def desk(self) -> Desk:
        return self.services.desk

    @property
    def directory(self) -> Directory:
        return self.services.directory

    @property
    def duty(self) -> Duty:
        return self.services.duty

    @property
    def casebook(self) -> Casebook:
        return self.services.casebook

    @property
    def marks(self) -> Marks:
        return self.services.marks

    @property
    def outbound(self) -> Outbound:
        return self.services.outbound

    @property
    def estate(self) -> EstateConfig:
        return self.services.estate

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def replies(self) -> Replies:
        return Replies(self.bot)

    # --- who is talking, read once per update ---------------------------------------------

    @property
    def user_id(self) -> int | None:
        user = self.incoming.effective_user if self.incoming else None
        return user.id if user else None

    async def person(self) -> Person | None:
        """The directory's entry for whoever sent this update."""
        if self._person is _UNSET:
            user_id = self.user_id
            self._person = None if user_id is None else await self.directory.person(user_id)
        return self._person

    def remember(self, person: Person) -> None:
        """The sender's entry as this update just changed it."""
        self._person = person
        self._translator = None
        self._chat_translator = None

    async def actor(self) -> Actor:
        return actor_from(await self.person(), self.user_id)

    async def translator(self) -> Translator:
        """For whoever sent this update: their chosen language, else Telegram's
        guess, else the estate's default."""
        if self._translator is None:
            person = await self.person()
            user = self.incoming.effective_user if self.incoming else None
            if person is not None and person.language:
                language: str | None = person.language
            else:
                language = user.language_code if user else None
            self._translator = self.translator_for(language)
        return self._translator

    async def chat_translator(self) -> Translator:
        """In a staff group, the group's language; in a private chat, the user's."""
        if self._chat_translator is None:
            chat = self.incoming.effective_chat if self.incoming else None
            if chat is not None and chat.type != "private":
                self._chat_translator = self.translator_for(
                    await self.directory.chat_language(chat.id)
                )
            else:
                self._chat_translator = await self.translator()
        return self._chat_translator

    def translator_for(self, language: str | None) -> Translator:
        return self.services.translator(language)

    def is_admin(self, user_id: int | None = _UNSET) -> bool:
        """Whether this user (by default: the sender) is one of the bot's admins."""
        return self.services.is_admin(self.user_id if user_id is _UNSET else user_id)
