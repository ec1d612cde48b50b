"""Notices to residents as the shell uses them: publish one (now or at a set
time), release those whose time came, correct or withdraw one, and read what
a resident received. Each change and the residents' copies it makes are
stored in one transaction; delivery/bulletins.py sends the copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflow.bulletins import (
    ALL_LANGUAGES,
    Audience,
    Bulletin,
    BulletinStatus,
    DraftProblem,
    SendKind,
    check_draft,
    clean_text,
    may_publish,
    recipients,
)
from workflow.clock import Clock
from workflow.errors import DomainError, InvalidCommand, NotAllowed
from workflow.model import Actor
from workflow.ports import ShellStore, ShellTransaction


@dataclass
class Draft:
    texts: dict[str, str] = field(default_factory=dict)
    attachment: str | None = None
    audience: Audience = field(default_factory=Audience)
    send_at: datetime | None = None  # None: now
    progress_chat: int | None = None
    progress_message: int | None = None


class BulletinMissing(DomainError):
    code = "bulletin_missing"


class Bulletins:
    def __init__(self, store: ShellStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def problem(self, draft: Draft) -> DraftProblem | None:
        return check_draft(draft.texts, draft.send_at, self.clock.now())

    async def reach(self, audience: Audience) -> int:
        """How many residents an audience reaches today."""
        async with self.store.reading() as tx:
            return len(recipients(await tx.residents(), audience))

    async def publish(self, actor: Actor, draft: Draft) -> Bulletin:
        async with self.store.transaction() as tx:
            return await self.publish_in(tx, actor, draft)

    async def publish_in(self, tx: ShellTransaction, actor: Actor, draft: Draft) -> Bulletin:
        """`publish` inside a unit of work the caller holds: a survey's results
        are published and marked published in one, so two presses publish once."""
        _authorised(actor)
        now = self.clock.now()
        problem = self.problem(draft)
        if problem is not None:
            raise InvalidCommand(f"the notice is not ready: {problem}", problem=problem)
        texts = {k: clean_text(v) for k, v in draft.texts.items() if clean_text(v)}
        people = recipients(await tx.residents(), draft.audience)
        if not people:
            raise InvalidCommand("the audience is empty", problem=DraftProblem.NOBODY)
        assert actor.user_id is not None
        bulletin = Bulletin(
            id=0,
            author_id=actor.user_id,
            texts=texts,
            audience=draft.audience,
            attachment=draft.attachment,
            created_at=now,
            send_at=draft.send_at or now,
            status=BulletinStatus.SCHEDULED if draft.send_at else BulletinStatus.SENDING,
            progress_chat=draft.progress_chat,
            progress_message=draft.progress_message,
        )
        bulletin.id = await tx.add_bulletin(bulletin)
        # The audience as it is now: each resident's copy is stored with the
        # notice, so a restart resumes the same list and nobody is added twice.
        await tx.add_sends(bulletin.id, people, SendKind.BULLETIN, now)
        return bulletin

    async def release_due(self) -> int:
        """Scheduled notices whose time has come start going out."""
        now = self.clock.now()
        async with self.store.reading() as tx:
            due = await tx.due_bulletins(now)
        if not due:
            return 0
        async with self.store.transaction() as tx:
            for bulletin in due:
                await tx.set_bulletin_status(bulletin.id, BulletinStatus.SENDING)
        return len(due)

    async def correct(self, actor: Actor, bulletin_id: int, text: str) -> int:
        """A new text for every language; those who got the notice are sent the
        correction, those still waiting get the corrected text. Returns how many
        are sent the correction."""
        _authorised(actor)
        text = clean_text(text)
        problem = check_draft({ALL_LANGUAGES: text}, None, self.clock.now())
        if problem is not None:
            raise InvalidCommand("the correction is not usable", problem=problem)
        now = self.clock.now()
        async with self.store.transaction() as tx:
            bulletin = await _current(tx.bulletin, bulletin_id)
            bulletin.texts = {ALL_LANGUAGES: text}
            bulletin.corrected_at = now
            await tx.save_bulletin(bulletin)
            got = [user_id for user_id, _ in await tx.received_by(bulletin_id)]
            await tx.add_sends(bulletin_id, got, SendKind.CORRECTION, now)
        return len(got)

    async def withdraw(self, actor: Actor, bulletin_id: int) -> int:
        """Nobody else is sent it; those who got it are told it is withdrawn.
        Returns how many are told."""
        _authorised(actor)
        now = self.clock.now()
        async with self.store.transaction() as tx:
            bulletin = await _current(tx.bulletin, bulletin_id)
            bulletin.status = BulletinStatus.WITHDRAWN
            bulletin.withdrawn_at = now
            await tx.save_bulletin(bulletin)
            await tx.cancel_pending_sends(bulletin_id, now)
            got = [user_id for user_id, _ in await tx.received_by(bulletin_id)]
            await tx.add_sends(bulletin_id, got, SendKind.WITHDRAWAL, now)
        return len(got)

    async def recent(self, actor: Actor, limit: int = 5) -> list[Bulletin]:
        _authorised(actor)
        async with self.store.reading() as tx:
            found = await tx.recent_bulletins(limit)
        return [b for b in found if b.status is not BulletinStatus.WITHDRAWN]

    async def get(self, bulletin_id: int) -> Bulletin | None:
        async with self.store.reading() as tx:
            return await tx.bulletin(bulletin_id)

    async def counts(self, bulletin_id: int, kind: SendKind = SendKind.BULLETIN) -> dict[str, int]:
        async with self.store.reading() as tx:
            return await tx.send_counts(bulletin_id, kind)

    async def received(self, user_id: int, limit: int = 5) -> list[Bulletin]:
        """The current notices a resident got, newest first."""
        async with self.store.reading() as tx:
            return await tx.bulletins_received(user_id, limit)


def _authorised(actor: Actor) -> None:
    if actor.user_id is None or not may_publish(actor.roles):
        raise NotAllowed("only the front desk, the cs supervisor or the manager write notices")


async def _current(load: object, bulletin_id: int) -> Bulletin:
    assert callable(load)
    bulletin = await load(bulletin_id)
    if not isinstance(bulletin, Bulletin) or bulletin.status is BulletinStatus.WITHDRAWN:
        raise BulletinMissing(f"no current notice {bulletin_id}", bulletin_id=bulletin_id)
    return bulletin
