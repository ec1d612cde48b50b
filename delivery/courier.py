"""Delivers the outbox: every notification the desk stored, to the chats of
the people and groups it names, in their language; then brings the case's
cards up to date.

A notification leaves the outbox only once Telegram took it (or refused it
for good: a user who blocked the bot). Network errors and timeouts are
retried with back-off, so a flaky connection delays messages but loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo

from telegram import Bot, InputMediaPhoto, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.storage import SqliteStore, SqliteTransaction
from delivery.digest import Deferred, Digester, Pacer
from delivery.records import Card, OutboxItem
from views.cards import card_buttons, card_text, taken_by_someone_else
from views.i18n import Language, Translator, language_for
from views.notices import PHOTO, VOICE, Outgoing, for_resident, for_staff
from workflow.clock import Clock, SystemClock
from workflow.directory import Person
from workflow.estate import EstateConfig
from workflow.model import Case
from workflow.notifications import NoticeKind, Notification
from workflow.roles import Role
from workflow.roster import on_duty as on_duty_now

log = logging.getLogger(__name__)

RESIDENT_NOTICES = frozenset(
    {
        NoticeKind.FILED,
        NoticeKind.ACKNOWLEDGED,
        NoticeKind.ON_SITE,
        NoticeKind.ESCALATED_RESIDENT,
        NoticeKind.RESOLVED,
        NoticeKind.FEEDBACK_REMINDER,
        NoticeKind.CLOSED,
        NoticeKind.REOPENED,
        NoticeKind.MERGED,
        NoticeKind.RELAYED,
    }
)
# Never into a group, however the role is set up: each holder, privately.
PRIVATE_NOTICES = frozenset({NoticeKind.RESIDENT_CONTACT})
RETRY_DELAYS = (5, 30, 120, 600)
GIVE_UP_AFTER = 8
DEFER_BY = timedelta(seconds=5)
BATCH = 200
PARALLEL_CASES = 8


class Courier:
    def __init__(
        self,
        store: SqliteStore,
        bot: Bot,
        clock: Clock,
        timezone: ZoneInfo,
        default_language: Language,
        estate: EstateConfig | None = None,
    ) -> None:
        self.estate = estate
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.store = store
        self.bot = bot
        self.clock = clock
        # Retries wait real seconds (a network's back-off), whatever the estate's
        # clock says: a simulated clock may stand still or leap ahead.
        self.wall = SystemClock()
        self.timezone = timezone
        self.default_language = default_language
        self.pacer = Pacer()
        self.digester = Digester(store, bot, clock, self.pacer, self._chat_translator)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._claimed: set[int] = set()  # outbox ids being delivered right now
        # Cards not edited because their group's minute was nearly spent: case id by
        # (chat, message). Edited with the latest state once the group has room.
        self._stale: dict[tuple[int, int], int] = {}

    # --- running -----------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="courier")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.flush()
            except Exception:
                log.exception("the courier failed a round; it will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=5)
            self._wake.clear()

    async def flush(self) -> int:
        """Deliver everything due now; returns how many notifications were handled."""
        async with self._lock:
            handled = 0
            while True:
                async with self.store.reading() as tx:
                    items = await tx.pending_notifications(self.wall.now(), BATCH)
                items = self._claim(items)
                if not items:
                    await self.digester.edit_dirty()
                    await self._refresh_stale()
                    return handled
                by_case: dict[int, list[OutboxItem]] = defaultdict(list)
                for item in items:
                    by_case[item.notification.case_id].append(item)
                gate = asyncio.Semaphore(PARALLEL_CASES)
                try:
                    await asyncio.gather(
                        *(self._deliver_gated(gate, c, q) for c, q in by_case.items())
                    )
                finally:
                    self._release(items)
                handled += len(items)

    async def deliver_now(self, case_id: int, user_id: int) -> None:
        """Deliver what the desk just told `user_id` about `case_id` in the caller's
        task, ahead of the queue: a resident who pressed Confirm hears back at
        once, however many staff messages other cases are waiting on. The rest
        of the case's notifications stay with the courier's round."""
        async with self.store.reading() as tx:
            pending = await tx.pending_for_case(case_id, self.wall.now())
        items = self._claim([i for i in pending if i.notification.user_id == user_id])
        if not items:
            return
        try:
            await self._deliver_case(case_id, items, refresh=False)
        finally:
            self._release(items)

    def _claim(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """The items nobody else is delivering, now claimed (one event loop: no race)."""
        free = [i for i in items if i.id not in self._claimed]
        self._claimed.update(i.id for i in free)
        return free

    def _release(self, items: list[OutboxItem]) -> None:
        self._claimed.difference_update(i.id for i in items)

    # --- one case's notifications -------------------------------------------------------

    async def _deliver_gated(
        self, gate: asyncio.Semaphore, case_id: int, items: list[OutboxItem]
    ) -> None:
        async with gate:
            await self._deliver_case(case_id, items)

    async def _deliver_case(
        self, case_id: int, items: list[OutboxItem], refresh: bool = True
    ) -> None:
        async with self.store.reading() as tx:
            case = await tx.get(case_id)
        if case is None:
            for item in items:
                await self._finish(item, "no_case")
            return
        people = await self._people(case, [item.notification for item in items])
        waiting: set[tuple[Role | None, int | None]] = set()  # targets whose group is full
        for item in items:
            target = (item.notification.role, item.notification.user_id)
            if target in waiting:
                await self._defer(item)  # behind an earlier message to the same place
                continue
            try:
                outcome = await self._deliver(item.notification, case, people)
            except Deferred:
                # The group's minute is full: this and the case's later messages to the
                # same place wait, in order; the resident and other groups need not.
                waiting.add(target)
                await self._defer(item)
                continue
            except (NetworkError, RetryAfter) as error:
                if isinstance(error, BadRequest):
                    log.error(
                        "Telegram refused %s for %s: %s",
                        item.notification.kind,
                        item.notification.ref,
                        error,
                    )
                    await self._finish(item, f"refused: {error}")
                    continue
                await self._retry(item, error)
                return  # keep this case's messages in order: the rest wait for the retry
            await self._finish(item, outcome)
        if refresh:
            await self.refresh_cards(case, people)

    async def _deliver(self, n: Notification, case: Case, people: dict[int, Person]) -> str:
        if n.user_id is not None:
            person = people.get(n.user_id)
            render = for_resident if n.kind in RESIDENT_NOTICES else for_staff
            t = self._translator(person.language if person else None)
            return await self._send_all(n.user_id, render(n, case, people, t), case, person)
        assert n.role is not None
        private = n.kind in PRIVATE_NOTICES
        async with self.store.reading() as tx:
            group = None if private else await tx.role_group(n.role)
            holders = [] if group else await tx.people_with_role(n.role)
            if n.role is Role.GUARD and not group:
                rows = await tx.duty_rows()
                on_duty = (
                    on_duty_now(self.estate, rows, self.clock.now())
                    if self.estate
                    else {r.user_id for r in rows if r.on_duty}
                )
                holders = [p for p in holders if p.user_id in on_duty]  # only those on duty
        if group is not None:
            t = self._translator(group.language)
            return await self._send_all(
                group.chat_id, for_staff(n, case, people, t), case, None, forum=group.is_forum
            )
        if not holders:
            log.warning("%s for %s: nobody holds %s and no group is bound", n.kind, n.ref, n.role)
            return "nobody"
        outcomes = [
            await self._send_all(
                p.user_id, for_staff(n, case, people, self._translator(p.language)), case, p
            )
            for p in holders
        ]
        return "sent" if "sent" in outcomes else outcomes[0]

    async def _send_all(
        self,
        chat_id: int,
        messages: Iterable[Outgoing],
        case: Case,
        person: Person | None,
        forum: bool = False,
    ) -> str:
        messages = list(messages)
        if not messages:
            return "nothing"
        if person is not None and not person.reachable:
            return "blocked"
        async with self.store.reading() as tx:
            card = next((c for c in await tx.cards(case.id) if c.chat_id == chat_id), None)
        thread_id = card.thread_id if card else None
        try:
            for out in messages:
                if self.pacer.busy(chat_id) and not forum:
                    await self.digester.take(chat_id, out, case)
                    continue
                if self.pacer.full(chat_id):
                    raise Deferred
                if out.as_card and forum and thread_id is None:
                    topic = await self.bot.create_forum_topic(chat_id, f"{case.ref}"[:128])
                    thread_id = topic.message_thread_id
                reply_to = card.message_id if (out.reply_to_card and card) else None
                sent = await self._send(chat_id, out, thread_id, reply_to)
                if out.as_card:
                    if card is not None and card.message_id != sent.message_id:
                        await self._retire(card)
                    card = Card(
                        case_id=case.id,
                        chat_id=chat_id,
                        message_id=sent.message_id,
                        thread_id=thread_id,
                    )
                    await self.store.write_soon(partial(SqliteTransaction.save_card, card=card))
        except Forbidden:
            if person is not None:
                await self._unreachable(person)
            return "blocked"
        return "sent"

    async def _send(
        self, chat_id: int, out: Outgoing, thread_id: int | None, reply_to: int | None
    ) -> Message:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        photos = [a.removeprefix(PHOTO) for a in out.attachments if a.startswith(PHOTO)]
        voices = [a.removeprefix(VOICE) for a in out.attachments if a.startswith(VOICE)]
        self.pacer.record(chat_id, 1 + min(len(photos), 10) + len(voices))
        if len(photos) == 1:
            await self.bot.send_photo(chat_id, photos[0], message_thread_id=thread_id)
        elif photos:
            await self.bot.send_media_group(
                chat_id, [InputMediaPhoto(p) for p in photos[:10]], message_thread_id=thread_id
            )
        for voice in voices:
            await self.bot.send_voice(chat_id, voice, message_thread_id=thread_id)
        return await self.bot.send_message(
            chat_id,
            out.text,
            parse_mode=ParseMode.HTML,
            reply_markup=out.buttons,
            message_thread_id=thread_id,
            reply_parameters=reply,
        )

    async def _retire(self, card: Card) -> None:
        """An older card for the same case in this chat loses its buttons."""
        with contextlib.suppress(BadRequest):
            await self.bot.edit_message_reply_markup(
                card.chat_id, card.message_id, reply_markup=None
            )

    # --- cards ----------------------------------------------------------------------------

    async def refresh_cards(self, case: Case, people: dict[int, Person] | None = None) -> None:
        """Edit the case's cards to its current state; `people` if the caller has
        them already (the reporter and whoever acted on the case)."""
        async with self.store.reading() as tx:
            cards = await tx.cards(case.id)
            fresh = await tx.get(case.id)
            groups = {g.chat_id: g for g in await tx.role_groups()}
        case = fresh or case
        if not cards:
            return
        if people is None or not {case.acknowledged_by, case.resolved_by} <= {None, *people}:
            people = await self._people(case, [])
        for card in cards:
            if await self.digester.touch(card.chat_id, card.message_id):
                continue  # part of a digest: edited with the digest, coalesced
            if self.pacer.busy(card.chat_id):
                self._stale[(card.chat_id, card.message_id)] = case.id
                continue
            self._stale.pop((card.chat_id, card.message_id), None)
            group = groups.get(card.chat_id)
            viewer = people.get(card.chat_id) if card.chat_id > 0 else None
            if card.chat_id > 0 and viewer is None:
                async with self.store.reading() as tx:
                    viewer = await tx.person(card.chat_id)
            language = group.language if group else (viewer.language if viewer else None)
            t = self._translator(language)
            taken = taken_by_someone_else(case, card.chat_id)
            self.pacer.record(card.chat_id)
            try:
                await self.bot.edit_message_text(
                    card_text(case, people, t, taken=taken),
                    card.chat_id,
                    card.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=None if taken else card_buttons(case, t),
                )
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    log.warning(
                        "could not update the card of %s in %s: %s", case.ref, card.chat_id, error
                    )
            except (Forbidden, NetworkError) as error:
                log.warning("card of %s in %s not updated now: %s", case.ref, card.chat_id, error)

    async def _refresh_stale(self) -> None:
        """Cards left behind in a busy minute, brought up to date once there is room."""
        cases = {
            case_id for (chat_id, _), case_id in self._stale.items() if not self.pacer.busy(chat_id)
        }
        for case_id in sorted(cases):
            async with self.store.reading() as tx:
                case = await tx.get(case_id)
            if case is None:
                self._stale = {k: v for k, v in self._stale.items() if v != case_id}
                continue
            await self.refresh_cards(case)

    # --- bookkeeping ------------------------------------------------------------------------

    async def _people(self, case: Case, notices: Iterable[Notification]) -> dict[int, Person]:
        """The people a case's messages and cards name, looked up once for all of them."""
        wanted = {case.reporter_id, case.acknowledged_by, case.resolved_by}
        for n in notices:
            wanted |= {n.user_id, n.params.get("by")}
        found: dict[int, Person] = {}
        async with self.store.reading() as tx:
            for user_id in wanted:
                if isinstance(user_id, int) and (person := await tx.person(user_id)):
                    found[user_id] = person
        return found

    async def _chat_translator(self, chat_id: int) -> Translator:
        async with self.store.reading() as tx:
            groups = [g for g in await tx.role_groups() if g.chat_id == chat_id]
        return self._translator(groups[0].language if groups else None)

    def _translator(self, language: str | None) -> Translator:
        return Translator(language_for(language, self.default_language), self.timezone)

    async def _finish(self, item: OutboxItem, outcome: str) -> None:
        await self.store.write_soon(
            partial(
                SqliteTransaction.finish_notification,
                item_id=item.id,
                now=self.wall.now(),
                outcome=outcome,
            )
        )

    async def _defer(self, item: OutboxItem) -> None:
        await self.store.write_soon(
            partial(
                SqliteTransaction.defer_notification, item_id=item.id, at=self.wall.now() + DEFER_BY
            )
        )

    async def _retry(self, item: OutboxItem, error: Exception) -> None:
        if item.attempts + 1 >= GIVE_UP_AFTER:
            log.error(
                "giving up on %s for %s after %d tries: %s",
                item.notification.kind,
                item.notification.ref,
                item.attempts + 1,
                error,
            )
            await self._finish(item, "gave_up")
            return
        delay = self.retry_delays[min(item.attempts, len(self.retry_delays) - 1)]
        log.warning(
            "%s for %s failed (%s); retrying in %ss",
            item.notification.kind,
            item.notification.ref,
            error,
            delay,
        )
        async with self.store.transaction() as tx:
            await tx.retry_notification(item.id, self.wall.now() + timedelta(seconds=delay))

    async def _unreachable(self, person: Person) -> None:
        person.reachable = False
        async with self.store.transaction() as tx:
            await tx.save_person(person, self.clock.now())
