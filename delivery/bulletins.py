"""Sends notices to residents (bulletins) from their own outbox, the
`bulletin_sends` rows stored with the notice, and keeps the author's progress
line and each known incident's card up to date.

One copy at a time, each claimed in a committed transaction before it is
sent: if the process is killed while a copy is on its way, the restart finds
it claimed, records it as unsure and never sends it again, so nobody gets a
notice twice; every copy not yet claimed goes out after the restart. The
Telegram limiter every Bot API call passes keeps the pace (30 a second
overall, one a second in a chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from delivery.outcomes import Refusal, refused
from delivery.ports import DeliveryStore
from delivery.rounds import Rounds
from views.bulletins import bulletin_text, incident_card, progress_line
from views.i18n import Language, Translator, language_for, plain
from workflow.bulletins import MAX_CAPTION, Bulletin, BulletinStatus, Outcome, SendKind
from workflow.clock import Clock, SystemClock
from workflow.directory import Person, RoleGroup
from workflow.incidents import Incident

log = logging.getLogger(__name__)

RETRY_DELAYS = (2.0, 10.0, 60.0, 300.0)
GIVE_UP_AFTER = 6
PROGRESS_EVERY = 2.0  # seconds between edits of an author's progress line
CARD_EVERY = 4.0  # seconds between edits of an incident card (a group's 20 a minute)
IDLE_WAIT = 1.0


class BroadcastTransaction(Protocol):
    async def next_send(self, now: datetime) -> dict[str, Any] | None: ...
    async def claim_send(self, send_id: int) -> bool: ...
    async def finish_send(
        self, send_id: int, outcome: Outcome, message_id: int | None, now: datetime
    ) -> None: ...
    async def retry_send(self, send_id: int, at: datetime) -> None: ...
    async def interrupted_sends(self, now: datetime) -> int: ...
    async def finished_sending(self) -> list[int]: ...
    async def set_bulletin_status(self, bulletin_id: int, status: BulletinStatus) -> None: ...
    async def dirty_progress(self) -> list[Bulletin]: ...
    async def progress_shown(self, bulletin_id: int) -> None: ...
    async def send_counts(self, bulletin_id: int, kind: SendKind) -> dict[str, int]: ...
    async def original_message(self, bulletin_id: int, user_id: int) -> int | None: ...
    async def bulletin(self, bulletin_id: int) -> Bulletin | None: ...
    async def pending_sends(self) -> int: ...
    async def dirty_incident_cards(self) -> list[Incident]: ...
    async def incident_card_shown(self, incident_id: int, message_id: int, linked: int) -> None: ...
    async def person(self, user_id: int) -> Person | None: ...
    async def role_groups(self) -> list[RoleGroup]: ...


class BroadcastStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[BroadcastTransaction]: ...

    def reading(self) -> AbstractAsyncContextManager[BroadcastTransaction]: ...


class Broadcaster(Rounds):
    task_name = "broadcaster"
    idle_wait = IDLE_WAIT

    def __init__(
        self,
        store: BroadcastStore,
        bot: Bot,
        clock: Clock,
        timezone: ZoneInfo,
        default_language: Language,
        release: Callable[[], Awaitable[int]],
        refusals: DeliveryStore | None = None,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        self.wall = SystemClock()  # retries wait real seconds, whatever the estate's clock says
        self.timezone = timezone
        self.default_language = default_language
        self.release = release  # scheduled notices whose time came start going out
        self.refusals = refusals
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.progress_every = PROGRESS_EVERY
        self.card_every = CARD_EVERY
        super().__init__()
        self._lock = asyncio.Lock()
        self._recovered = False
        self._card_shown: dict[int, float] = {}

    # --- running ----------------------------------------------------------------------------

    async def recover(self) -> int:
        """Copies a killed process had claimed: unsure, not sent again."""
        async with self.store.transaction() as tx:
            count = await tx.interrupted_sends(self.wall.now())
        if count:
            log.warning("%d notice copies were on their way when the bot stopped", count)
        self._recovered = True
        return count

    async def pending(self) -> int:
        async with self.store.reading() as tx:
            return await tx.pending_sends()

    async def flush(self) -> int:
        """Send every copy due now; returns how many were handled."""
        async with self._lock:
            if not self._recovered:
                await self.recover()
            await self.release()
            handled = 0
            shown_at = time.monotonic()
            while True:
                async with self.store.transaction() as tx:
                    row = await tx.next_send(self.wall.now())
                    claimed = row is not None and await tx.claim_send(int(row["id"]))
                if row is None:
                    break
                if not claimed:
                    continue
                await self._send_one(row)
                handled += 1
                if time.monotonic() - shown_at >= self.progress_every:
                    await self._show_progress()
                    await self._show_cards()
                    shown_at = time.monotonic()
            async with self.store.transaction() as tx:
                for bulletin_id in await tx.finished_sending():
                    await tx.set_bulletin_status(bulletin_id, BulletinStatus.SENT)
            await self._show_progress()
            await self._show_cards()
            return handled

    # --- one copy ----------------------------------------------------------------------------

    async def _send_one(self, row: dict[str, Any]) -> None:
        send_id, user_id = int(row["id"]), int(row["user_id"])
        kind = SendKind(row["kind"])
        async with self.store.reading() as tx:
            bulletin = await tx.bulletin(int(row["bulletin_id"]))
            person = await tx.person(user_id)
            reply_to = (
                await tx.original_message(int(row["bulletin_id"]), user_id)
                if kind is not SendKind.BULLETIN
                else None
            )
        if bulletin is None or person is None or not person.reachable:
            await self._finish(send_id, Outcome.BLOCKED if person else Outcome.FAILED, None)
            return
        t = self._translator(person.language)
        text = bulletin_text(bulletin, kind, t)
        try:
            message = await self._post(user_id, bulletin, kind, text, reply_to)
        except (BadRequest, Forbidden) as error:
            outcome = Outcome.FAILED
            if self.refusals is not None:
                said = await refused(
                    self.refusals,
                    self.clock,
                    Refusal(user_id, f"notice {bulletin.id}", error, person),
                )
                outcome = Outcome.BLOCKED if said == "blocked" else Outcome.FAILED
            elif isinstance(error, Forbidden):
                outcome = Outcome.BLOCKED
            await self._finish(send_id, outcome, None)
            return
        except (NetworkError, RetryAfter, TimeoutError) as error:
            attempts = int(row["attempts"]) + 1
            if attempts >= GIVE_UP_AFTER:
                log.error("giving up on notice %s for %s: %s", bulletin.id, user_id, error)
                await self._finish(send_id, Outcome.FAILED, None)
                return
            delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
            log.warning(
                "notice %s for %s failed (%s); again in %ss", bulletin.id, user_id, error, delay
            )
            async with self.store.transaction() as tx:
                await tx.retry_send(send_id, self.wall.now() + timedelta(seconds=delay))
            return
        await self._finish(send_id, Outcome.SENT, message.message_id)

    async def _post(
        self, chat_id: int, bulletin: Bulletin, kind: SendKind, text: str, reply_to: int | None
    ) -> Message:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        attachment = bulletin.attachment if kind is SendKind.BULLETIN else None
        if attachment:
            what, _, file_id = attachment.partition(":")
            caption = text if len(plain(text)) <= MAX_CAPTION else None
            send = self.bot.send_document if what == "document" else self.bot.send_photo
            sent = await send(chat_id, file_id, caption=caption, parse_mode=ParseMode.HTML)
            if caption is not None:
                return sent
        return await self.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_parameters=reply
        )

    async def _finish(self, send_id: int, outcome: Outcome, message_id: int | None) -> None:
        async with self.store.transaction() as tx:
            await tx.finish_send(send_id, outcome, message_id, self.wall.now())

    # --- the author's progress line and the incident cards ---------------------------------------

    async def _show_progress(self) -> None:
        async with self.store.reading() as tx:
            dirty = await tx.dirty_progress()
        for bulletin in dirty:
            assert bulletin.progress_chat is not None
            assert bulletin.progress_message is not None
            async with self.store.transaction() as tx:
                await tx.progress_shown(bulletin.id)
                counts = await tx.send_counts(bulletin.id, SendKind.BULLETIN)
                author = await tx.person(bulletin.author_id)
            t = self._translator(author.language if author else None)
            with contextlib.suppress(BadRequest, Forbidden):
                await self.bot.edit_message_text(
                    progress_line(bulletin, counts, t),
                    chat_id=bulletin.progress_chat,
                    message_id=bulletin.progress_message,
                    parse_mode=ParseMode.HTML,
                )

    async def _show_cards(self) -> None:
        async with self.store.reading() as tx:
            dirty = await tx.dirty_incident_cards()
            groups = {g.chat_id: g.language for g in await tx.role_groups()}
        now = time.monotonic()
        for incident in dirty:
            if now - self._card_shown.get(incident.id, -1e9) < self.card_every:
                continue  # the group's minute is precious: this count waits a moment
            assert incident.card_chat is not None
            language = groups.get(incident.card_chat)
            if language is None and incident.card_chat > 0:
                async with self.store.reading() as tx:
                    declarer = await tx.person(incident.declared_by)
                language = declarer.language if declarer else None
            text = incident_card(incident, self._translator(language))
            try:
                if incident.card_message is None:
                    sent = await self.bot.send_message(
                        incident.card_chat, text, parse_mode=ParseMode.HTML
                    )
                    message_id = sent.message_id
                else:
                    message_id = incident.card_message
                    await self.bot.edit_message_text(
                        text,
                        chat_id=incident.card_chat,
                        message_id=message_id,
                        parse_mode=ParseMode.HTML,
                    )
            except (BadRequest, Forbidden) as error:
                log.warning("incident %s's card could not be shown: %s", incident.id, error)
                message_id = incident.card_message or 0
            except (NetworkError, RetryAfter):
                continue  # shown on a later round
            self._card_shown[incident.id] = time.monotonic()
            async with self.store.transaction() as tx:
                await tx.incident_card_shown(incident.id, message_id, incident.linked)

    def _translator(self, language: str | None) -> Translator:
        return Translator(language_for(language, self.default_language), self.timezone)
