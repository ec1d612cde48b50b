"""Known incidents as the shell uses them: declare one (or make one of a
case), link a matching filing to it and tell the resident at once, send
updates and the closing to every linked resident, and count the links for
the figures. Each change and what it tells whom commit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow.bulletins import ALL_LANGUAGES, Audience, Bulletin, BulletinStatus, SendKind
from workflow.bulletins import recipients as bulletin_recipients
from workflow.clock import Clock
from workflow.errors import CaseNotFound, DomainError, InvalidCommand, NotAllowed
from workflow.incidents import EVERY_BUILDING, MAX_TEXT, Declaration, Incident, Link, may_declare
from workflow.incidents import matching as matching_incident
from workflow.model import Actor, Category
from workflow.notifications import Announcement, Notice
from workflow.ports import ShellStore, ShellTransaction


class IncidentMissing(DomainError):
    code = "incident_missing"


@dataclass(frozen=True)
class LinkFigures:
    incidents: int  # incidents that had complaints linked in the period
    complaints: int  # complaints linked instead of filed


class Incidents:
    def __init__(self, store: ShellStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def declare(self, actor: Actor, declaration: Declaration, chat_id: int) -> Incident:
        _authorised(actor)
        assert actor.user_id is not None
        incident = Incident(
            id=0,
            category=declaration.category,
            buildings=declaration.buildings,
            description=declaration.description,
            declared_by=actor.user_id,
            declared_at=self.clock.now(),
            expected_end=declaration.expected_end,
            card_chat=chat_id,
        )
        async with self.store.transaction() as tx:
            incident.id = await tx.add_incident(incident)
        return incident

    async def from_case(
        self,
        actor: Actor,
        ref: str,
        expected_end: datetime | None,
        description: str | None,
        chat_id: int,
    ) -> Incident:
        """The case's category and building; its reporter is the first linked
        resident (the case itself stays as it is)."""
        _authorised(actor)
        assert actor.user_id is not None
        now = self.clock.now()
        async with self.store.transaction() as tx:
            case = await tx.get_by_ref(ref)
            if case is None:
                raise CaseNotFound(f"no case {ref}", ref=ref)
            building = case.location.building or (
                case.reporter_unit.building if case.reporter_unit else None
            )
            incident = Incident(
                id=0,
                category=case.category,
                buildings=frozenset({building or EVERY_BUILDING}),
                description=(description or case.description)[:MAX_TEXT],
                declared_by=actor.user_id,
                declared_at=now,
                expected_end=expected_end,
                case_id=case.id,
                card_chat=chat_id,
            )
            incident.id = await tx.add_incident(incident)
            if case.has_resident and case.reporter_id is not None:
                unit = case.reporter_unit
                await tx.link_to_incident(
                    Link(
                        incident.id,
                        case.reporter_id,
                        unit.building if unit else None,
                        unit.unit if unit else None,
                        case.description,
                        now,
                    )
                )
                incident.linked = 1
        return incident

    async def join(
        self,
        category: Category,
        building: str | None,
        user_id: int,
        unit: str | None,
        description: str,
    ) -> Incident | None:
        """A resident's filing: linked to the open incident it matches (and the
        resident told what the office knows), or None to file it as a case."""
        async with self.store.reading() as tx:
            if not await tx.open_incidents(category):
                return None  # the usual case costs one read, no write lock
        now = self.clock.now()
        async with self.store.transaction() as tx:
            incident = matching_incident(await tx.open_incidents(category), category, building)
            if incident is None:
                return None
            await tx.link_to_incident(
                Link(incident.id, user_id, building, unit, description[:MAX_TEXT], now)
            )
            incident.linked += 1
            await tx.enqueue_notices(
                [
                    Notice(
                        kind=Announcement.INCIDENT_KNOWN,
                        user_id=user_id,
                        params=_facts(incident, building),
                    )
                ],
                now,
            )
        return incident

    async def separate(self, incident_id: int, user_id: int) -> bool:
        """The resident says their problem is another one: their latest complaint
        leaves the incident (to be filed as a case). False if it was not linked."""
        async with self.store.transaction() as tx:
            return await tx.unlink_from_incident(incident_id, user_id)

    async def update(self, actor: Actor, incident_id: int, text: str) -> int:
        """News for every linked resident; returns how many are told."""
        return await self._tell(actor, incident_id, text, close=False, as_notice=False)

    async def close(self, actor: Actor, incident_id: int, text: str, as_notice: bool) -> int:
        """The end, for every linked resident (and, `as_notice`, a notice to every
        resident of the buildings); returns how many linked residents are told."""
        return await self._tell(actor, incident_id, text, close=True, as_notice=as_notice)

    async def _tell(
        self, actor: Actor, incident_id: int, text: str, close: bool, as_notice: bool
    ) -> int:
        _authorised(actor)
        text = " ".join(text.split())
        if (not text and not close) or len(text) > MAX_TEXT:
            raise InvalidCommand("an update needs a text", empty=not text)
        now = self.clock.now()
        async with self.store.transaction() as tx:
            incident = await tx.incident(incident_id)
            if incident is None or not incident.is_open:
                raise IncidentMissing(f"no open incident {incident_id}", incident_id=incident_id)
            if text:
                incident.last_update = text
            if close:
                incident.closed_at = now
            await tx.save_incident(incident)
            people = await tx.linked_people(incident_id)
            kind = Announcement.INCIDENT_CLOSED if close else Announcement.INCIDENT_UPDATE
            facts = _facts(incident, None) | {"text": text}
            await tx.enqueue_notices(
                [Notice(kind=kind, user_id=user_id, params=facts) for user_id in people], now
            )
            if as_notice and text:
                await _as_bulletin(tx, incident, text, actor, now)
        return len(people)

    async def open_ones(self) -> list[Incident]:
        async with self.store.reading() as tx:
            return await tx.open_incidents()

    async def figures(self, start: datetime, end: datetime) -> LinkFigures:
        async with self.store.reading() as tx:
            links = await tx.links_between(start, end)
        return LinkFigures(len({x.incident_id for x in links}), len(links))


def _authorised(actor: Actor) -> None:
    if actor.user_id is None or not may_declare(actor.roles):
        raise NotAllowed("only the front desk and the supervisors declare incidents")


def _facts(incident: Incident, building: str | None) -> dict[str, Any]:
    return {
        "incident": incident.id,
        "category": str(incident.category),
        "building": building or "",
        "buildings": sorted(incident.buildings),
        "description": incident.description,
        "since": incident.declared_at.isoformat(),
        "expected_end": incident.expected_end.isoformat() if incident.expected_end else None,
        "update": incident.last_update or "",
    }


async def _as_bulletin(
    tx: ShellTransaction, incident: Incident, text: str, actor: Actor, now: datetime
) -> None:
    buildings = frozenset() if EVERY_BUILDING in incident.buildings else incident.buildings
    audience = Audience(buildings=buildings)
    people = bulletin_recipients(await tx.residents(), audience)
    if not people or actor.user_id is None:
        return
    bulletin = Bulletin(
        id=0,
        author_id=actor.user_id,
        texts={ALL_LANGUAGES: text},
        audience=audience,
        created_at=now,
        send_at=now,
        status=BulletinStatus.SENDING,
    )
    bulletin.id = await tx.add_bulletin(bulletin)
    await tx.add_sends(bulletin.id, people, SendKind.BULLETIN, now)
