"""Delivers the outbox: every notification the desk stored, to the chats of
the people and groups it names, in their language; then brings the case's
cards up to date.

A notification leaves the outbox only once Telegram took it (or refused it
for good: a user who blocked the bot). Network errors and timeouts are
retried with back-off, so a flaky connection delays messages but loses none.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from delivery.breaker import Breaker
from delivery.cards import Cards
from delivery.digest import Deferred, Digester, reference
from delivery.limits import SendLimits
from delivery.outcomes import GROUP_LOST, Refusal, migrated, refused
from delivery.ports import DeliveryStore, DeliveryTransaction, Write
from delivery.records import Card, NoticeItem, OutboxItem
from delivery.rounds import Rounds
from delivery.routing import Route, route
from views.announcements import for_announcement
from views.i18n import Language, Translator, language_for
from views.lengths import cut_html, split_html
from views.notices import PHOTO, VOICE, Outgoing, for_resident, for_staff, pin_of, reminders
from workflow.clock import Clock, SystemClock
from workflow.directory import Person
from workflow.estate import EstateConfig
from workflow.model import Case
from workflow.notifications import NoticeKind, Notification
from workflow.roles import Role

log = logging.getLogger(__name__)

Item = TypeVar("Item", OutboxItem, NoticeItem)

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
        NoticeKind.CANCELLED,  # told to a person (not a role): a follower of the case
    }
)
# Never into a group, however the role is set up: each holder, privately.
PRIVATE_NOTICES = frozenset({NoticeKind.RESIDENT_CONTACT})
RETRY_DELAYS = (5, 30, 120, 600)
GIVE_UP_AFTER = 8
DEFER_BY = timedelta(seconds=5)
BATCH = 200
PARALLEL_CASES = 8
# How long an outbox row this process finished is remembered, so that a round
# which read it just before it was finished never sends it again.
REMEMBER_FINISHED = 300.0


class Courier(Rounds):
    task_name = "courier"
    idle_wait = 5.0

    def __init__(
        self,
        store: DeliveryStore,
        bot: Bot,
        clock: Clock,
        timezone: ZoneInfo,
        default_language: Language,
        estate: EstateConfig | None = None,
        limits: SendLimits | None = None,
        admins: Iterable[int] = (),
    ) -> None:
        self.estate = estate
        self.admins = frozenset(admins)  # told when a bound group is lost
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.store = store
        self.bot = bot
        self.clock = clock
        # Retries wait real seconds (a network's back-off), whatever the estate's
        # clock says: a simulated clock may stand still or leap ahead.
        self.wall = SystemClock()
        self.timezone = timezone
        self.default_language = default_language
        # The same windows the Bot API limiter waits on (bot/app.py shares them).
        self.limits = limits or SendLimits()
        self.digester = Digester(
            store, bot, clock, self.limits, self._chat_translator, admins=self.admins
        )
        self.cards = Cards(store, bot, self.limits, self.digester, self._translator, self._people)
        super().__init__()
        self._lock = asyncio.Lock()
        self._claimed: set[int] = set()  # outbox ids being delivered right now
        # Outbox ids finished here (monotonic time): a round that read a row just
        # before another task finished it must not claim it again.
        self._finished: dict[int, float] = {}
        # Messages just posted for a case, by case id: its cards' refresh after
        # delivery leaves them alone (they show the case as it is already).
        self._posted: dict[int, set[tuple[int, int]]] = {}
        # (case id, user id) whose notices a handler is delivering itself right now
        # (`deliver_now`): rounds leave them alone, or the resident's confirmation
        # would go out as a new message instead of replacing what they pressed.
        self._fast: set[tuple[int, int]] = set()
        # Open while outcomes cannot be recorded: nothing is sent (delivery/breaker.py).
        self.breaker = Breaker(store, self.wall)

    # --- running -----------------------------------------------------------------

    async def flush(self) -> int:
        """Deliver everything due now; returns how many notifications were handled."""
        async with self._lock:
            if not await self.breaker.ready():
                return 0
            handled = 0
            handled += await self._deliver_notices()
            while True:
                async with self.store.reading() as tx:
                    items = await tx.pending_notifications(self.wall.now(), BATCH)
                items = self._claim(items)
                # Every round, however much is waiting: busy groups' digests are
                # posted and kept up to date as their minutes have room.
                await self.digester.catch_up()
                await self.cards.refresh_stale()
                if not items:
                    return handled
                together, alone = _reminders_together(items)
                by_case: dict[int, list[OutboxItem]] = defaultdict(list)
                for item in alone:
                    by_case[item.notification.case_id].append(item)
                gate = asyncio.Semaphore(PARALLEL_CASES)
                try:
                    for reminded in together:
                        await self._deliver_reminders(reminded)
                    await asyncio.gather(
                        *(self._deliver_gated(gate, c, q) for c, q in by_case.items())
                    )
                finally:
                    self._release(items)
                handled += len(items)
                if self.breaker.is_open:
                    return handled

    async def deliver_now(self, case_id: int, user_id: int, in_place: int | None = None) -> bool:
        """Deliver what the desk just told `user_id` about `case_id` in the caller's
        task, ahead of the queue: a resident who pressed Confirm hears back at
        once, however many staff messages other cases are waiting on. The rest
        of the case's notifications stay with the courier's round.

        `in_place`: the message the resident pressed (the summary), which the
        first notice replaces with one edit instead of a new message beside it.
        Returns whether it did (False: the pressed message is as it was).

        Wakes the courier for the rest (the staff's cards), which goes on beside
        this: its rounds leave this person's notices of this case to this call."""
        if self.breaker.is_open:
            self.wake()
            return False  # delivery is paused; the courier's round sends it once it resumes
        mine = (case_id, user_id)
        self._fast.add(mine)  # before anything is awaited: no round can claim them first
        self.wake()
        try:
            async with self.store.reading() as tx:
                pending = await tx.pending_for_case(case_id, self.wall.now())
        finally:
            self._fast.discard(mine)
        # Claimed at once, with nothing awaited since the reservation ended.
        items = self._claim([i for i in pending if i.notification.user_id == user_id])
        if not items:
            return False
        replaced = False
        try:
            if in_place is not None and await self._replace(items[0], user_id, in_place):
                replaced = True
                items, done = items[1:], items[:1]
                self._release(done)
            if items:
                await self._deliver_case(case_id, items, refresh=False)
        finally:
            self._release(items)
        return replaced

    async def _replace(self, item: OutboxItem, user_id: int, message_id: int) -> bool:
        """Edit the pressed message into this notice, when it is one plain message
        (no photos, no reply keyboard: an edit cannot carry those)."""
        n = item.notification
        async with self.store.reading() as tx:
            case = await tx.get(n.case_id)
        if case is None or n.kind not in RESIDENT_NOTICES:
            return False
        people = await self._people(case, [n])
        person = people.get(user_id)
        out = for_resident(n, case, people, self._translator(person.language if person else None))
        if len(out) != 1 or out[0].attachments:
            return False
        buttons = out[0].buttons
        if buttons is not None and not isinstance(buttons, InlineKeyboardMarkup):
            return False
        try:
            await self.bot.edit_message_text(
                cut_html(out[0].text),
                user_id,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=buttons,
            )
        except (BadRequest, Forbidden, NetworkError, RetryAfter) as error:
            log.info("%s: not in place (%s); sent as a message", _what(item), error)
            return False
        await self._finish(item, "sent")
        return True

    def _claim(self, items: list[Item]) -> list[Item]:
        """The items nobody else is delivering nor has finished, now claimed
        before anything is sent (one event loop: no race). A row read by a round
        just before the Confirm handler's fast path finished it is still in that
        round's list: it is skipped here, never sent twice; so are those a fast
        path is about to claim (`_fast`)."""
        cutoff = time.monotonic() - REMEMBER_FINISHED
        self._finished = {i: at for i, at in self._finished.items() if at > cutoff}
        free = [
            i
            for i in items
            if i.id not in self._claimed
            and i.id not in self._finished
            and not self.breaker.holds(i.id)
            and not self._left_to_fast_path(i)
        ]
        self._claimed.update(i.id for i in free)
        return free

    def _left_to_fast_path(self, item: OutboxItem | NoticeItem) -> bool:
        if not self._fast or not isinstance(item, OutboxItem):
            return False
        n = item.notification
        return (n.case_id, n.user_id) in self._fast

    def _release(self, items: Iterable[OutboxItem | NoticeItem]) -> None:
        self._claimed.difference_update(i.id for i in items)

    # --- notices that belong to no case ----------------------------------------------

    async def _deliver_notices(self) -> int:
        async with self.store.reading() as tx:
            items = self._claim(await tx.pending_notices(self.wall.now(), BATCH))
        try:
            for item in items:
                if self.breaker.is_open:
                    break
                try:
                    outcome = await self._deliver_notice(item)
                except Deferred:
                    await self._defer(item)
                    continue
                except (NetworkError, RetryAfter) as error:
                    await self._retry(item, error)
                    continue
                await self._finish(item, outcome)
        finally:
            self._release(items)
        return len(items)

    async def _deliver_notice(self, item: NoticeItem) -> str:
        notice = item.notice
        what = f"{notice.kind}"
        if notice.user_id is not None:
            async with self.store.reading() as tx:
                person = await tx.person(notice.user_id)
            t = self._translator(person.language if person else None)
            out = for_announcement(notice.kind, notice.params, t)
            return await self._send_all(notice.user_id, out, None, person, what=what)
        assert notice.role is not None
        return await self._send_routed(
            lambda t: for_announcement(notice.kind, notice.params, t),
            None,
            what,
            notice.role,
        )

    # --- reminders due together -----------------------------------------------------------

    async def _deliver_reminders(self, items: list[OutboxItem]) -> None:
        """Reminders of several cases due at once for one role or person: one message."""
        cases: list[Case] = []
        async with self.store.reading() as tx:
            for item in items:
                if (case := await tx.get(item.notification.case_id)) is not None:
                    cases.append(case)
        first = items[0].notification
        what = f"{first.kind} for {len(cases)} cases"
        try:
            if not cases:
                outcome = "no_case"
            elif first.user_id is not None:
                async with self.store.reading() as tx:
                    person = await tx.person(first.user_id)
                t = self._translator(person.language if person else None)
                outcome = await self._send_all(
                    first.user_id, reminders(cases, t), None, person, what=what
                )
            else:
                assert first.role is not None
                outcome = await self._send_routed(
                    lambda t: reminders(cases, t), None, what, first.role
                )
        except Deferred:
            for item in items:
                await self._defer(item)
            return
        except (NetworkError, RetryAfter) as error:
            for item in items:
                await self._retry(item, error)
            return
        for item in items:
            await self._finish(item, outcome)

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
            if self.breaker.is_open:
                return  # paused: this case's later messages wait, in order
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
                await self._retry(item, error)
                return  # keep this case's messages in order: the rest wait for the retry
            await self._finish(item, outcome)
        posted = self._posted.pop(case.id, set())
        if refresh and not self.breaker.is_open:
            await self.cards.refresh(case, people, skip=posted)

    async def refresh_cards(self, case: Case, people: dict[int, Person] | None = None) -> None:
        await self.cards.refresh(case, people)

    async def _deliver(self, n: Notification, case: Case, people: dict[int, Person]) -> str:
        what = f"{n.kind} for {n.ref}"
        if n.user_id is not None:
            person = people.get(n.user_id)
            render = for_resident if n.kind in RESIDENT_NOTICES else for_staff
            t = self._translator(person.language if person else None)
            out = render(n, case, people, t)
            return await self._send_all(n.user_id, out, case, person, what=what)
        assert n.role is not None
        return await self._send_routed(
            lambda t: for_staff(n, case, people, t),
            case,
            what,
            n.role,
            private=n.kind in PRIVATE_NOTICES,
            kind=str(n.kind),
        )

    async def _where(self, role: Role, private: bool) -> Route:
        async with self.store.reading() as tx:
            return await route(tx, role, self.clock.now(), self.estate, private=private)

    async def _send_routed(
        self,
        render: Callable[[Translator], list[Outgoing]],
        case: Case | None,
        what: str,
        role: Role,
        private: bool = False,
        kind: str = "",
    ) -> str:
        """A role's message, where `route` says it goes: its group, else each holder
        privately, each in their own language. A group that turns out to be lost
        (`GROUP_LOST`: its binding is now broken) is routed around at once."""
        where = await self._where(role, private)
        if where.group is not None:
            group = where.group
            out = render(self._translator(group.language))
            outcome = await self._send_all(
                group.chat_id, out, case, None, forum=group.is_forum, what=what, kind=kind
            )
            if outcome != GROUP_LOST:
                return outcome
            where = await self._where(role, private)
            if where.group is not None:  # the rung above's group stands in
                group = where.group
                out = render(self._translator(group.language))
                return await self._send_all(
                    group.chat_id, out, case, None, forum=group.is_forum, what=what, kind=kind
                )
        if where.nobody:
            log.warning("%s: nobody holds %s and no group is bound", what, role)
            return "nobody"
        outcomes = [
            await self._send_all(
                p.user_id, render(self._translator(p.language)), case, p, what=what
            )
            for p in where.holders
        ]
        return "sent" if "sent" in outcomes else outcomes[0]

    async def _send_all(
        self,
        chat_id: int,
        messages: Iterable[Outgoing],
        case: Case | None,
        person: Person | None,
        forum: bool = False,
        what: str = "",
        kind: str = "",
    ) -> str:
        """One chat's messages of one notice. A 400 or 403 ends this chat's part
        (recorded, handed to `refused`) and no one else's; network errors and
        429s are raised, for the whole item to be retried with back-off."""
        messages = list(messages)
        if not messages:
            return "nothing"
        if person is not None and not person.reachable:
            return "blocked"
        try:
            try:
                await self._post_all(chat_id, messages, case, forum, kind)
            except ChatMigrated as error:  # a group became a supergroup: follow it
                chat_id = await migrated(self.store, chat_id, int(error.new_chat_id))
                await self._post_all(chat_id, messages, case, False, kind)
        except (BadRequest, Forbidden) as error:
            refusal = Refusal(chat_id, what, error, person, case.id if case else None)
            return await refused(self.store, self.clock, refusal, self.admins)
        except ChatMigrated as error:  # migrated again at once: give up on this one
            log.error("%s: chat %s moved twice (to %s)", what, chat_id, error.new_chat_id)
            return "refused: migrated twice"
        return "sent"

    async def _post_all(
        self,
        chat_id: int,
        messages: list[Outgoing],
        case: Case | None,
        forum: bool,
        kind: str = "",
    ) -> None:
        card = None
        if case is not None:
            async with self.store.reading() as tx:
                card = next((c for c in await tx.cards(case.id) if c.chat_id == chat_id), None)
        thread_id = card.thread_id if card else None
        for out in messages:
            if out.or_card_edit and card is not None:
                continue  # said by the card itself: the refresh after delivery edits it
            if case is not None and self.limits.busy(chat_id) and not forum:
                await self.digester.take(chat_id, out, case, kind)
                continue
            if self.limits.full(chat_id):
                raise Deferred
            if case is not None and out.as_card and forum and thread_id is None:
                topic = await self.bot.create_forum_topic(chat_id, f"{case.ref}"[:128])
                thread_id = topic.message_thread_id
            reply_to = card.message_id if (out.reply_to_card and card) else None
            sent = await self._send(chat_id, out, thread_id, reply_to)
            if case is not None and out.as_card:
                if card is not None and card.message_id != sent.message_id:
                    await self.cards.retire(card)
                card = Card(
                    case_id=case.id,
                    chat_id=chat_id,
                    message_id=sent.message_id,
                    thread_id=thread_id,
                )
                await self.breaker.keep(_saving(card), None)
                self._posted.setdefault(case.id, set()).add((chat_id, sent.message_id))

    async def _send(
        self, chat_id: int, out: Outgoing, thread_id: int | None, reply_to: int | None
    ) -> Message:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        photos = [a.removeprefix(PHOTO) for a in out.attachments if a.startswith(PHOTO)]
        voices = [a.removeprefix(VOICE) for a in out.attachments if a.startswith(VOICE)]
        pins = [pin for a in out.attachments if (pin := pin_of(a)) is not None]
        # Telegram's 4096 UTF-16 units: a card is cut (it is edited in place later),
        # anything else goes in pieces, the buttons on the last.
        *before, last = [cut_html(out.text)] if out.as_card else split_html(out.text)
        for piece in before:
            await self.bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
                reply_parameters=reply,
            )
        sent = await self.bot.send_message(
            chat_id,
            last,
            parse_mode=ParseMode.HTML,
            reply_markup=out.buttons,
            message_thread_id=thread_id,
            reply_parameters=reply,
        )
        # Photos and voice notes travel with their message: replies to it, the
        # album captioned with the case's reference.
        if photos or voices or pins:
            under = ReplyParameters(sent.message_id, allow_sending_without_reply=True)
            caption = reference(out.text)  # the photos' caption: the case's
            if len(photos) == 1:
                await self.bot.send_photo(
                    chat_id,
                    photos[0],
                    caption=caption,
                    message_thread_id=thread_id,
                    reply_parameters=under,
                )
            elif photos:
                album = [
                    InputMediaPhoto(p, caption=caption if i == 0 else None)
                    for i, p in enumerate(photos[:10])
                ]
                await self.bot.send_media_group(
                    chat_id, album, message_thread_id=thread_id, reply_parameters=under
                )
            for voice in voices:
                await self.bot.send_voice(
                    chat_id,
                    voice,
                    caption=caption,
                    message_thread_id=thread_id,
                    reply_parameters=under,
                )
            for latitude, longitude in pins:
                await self.bot.send_location(
                    chat_id,
                    latitude,
                    longitude,
                    message_thread_id=thread_id,
                    reply_parameters=under,
                )
        return sent

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
        chosen = language_for(language, self.default_language)
        words = self.estate.own_words(chosen) if self.estate is not None else None
        return Translator(chosen, self.timezone, words)

    async def _finish(self, item: OutboxItem | NoticeItem, outcome: str) -> None:
        now = self.wall.now()
        self._finished[item.id] = time.monotonic()
        await self.breaker.keep(
            lambda tx: tx.finish_notification(item.id, now, outcome), item.id, done=True
        )

    async def _defer(self, item: OutboxItem | NoticeItem) -> None:
        at = self.wall.now() + DEFER_BY
        await self.breaker.keep(lambda tx: tx.defer_notification(item.id, at), item.id)

    async def _retry(self, item: OutboxItem | NoticeItem, error: Exception) -> None:
        if item.attempts + 1 >= GIVE_UP_AFTER:
            log.error("giving up on %s after %d tries: %s", _what(item), item.attempts + 1, error)
            await self._finish(item, "gave_up")
            return
        delay = self.retry_delays[min(item.attempts, len(self.retry_delays) - 1)]
        log.warning("%s failed (%s); retrying in %ss", _what(item), error, delay)
        at = self.wall.now() + timedelta(seconds=delay)
        await self.breaker.keep(lambda tx: tx.retry_notification(item.id, at), item.id)


def _reminders_together(
    items: list[OutboxItem],
) -> tuple[list[list[OutboxItem]], list[OutboxItem]]:
    """The reminders that share an addressee with another (each such set is
    said in one message), and the rest."""
    by_target: dict[tuple[Role | None, int | None], list[OutboxItem]] = defaultdict(list)
    for item in items:
        n = item.notification
        if n.kind is NoticeKind.REMINDER:
            by_target[(n.role, n.user_id)].append(item)
    together = [group for group in by_target.values() if len(group) > 1]
    joined = {item.id for group in together for item in group}
    return together, [item for item in items if item.id not in joined]


def _saving(card: Card) -> Write:
    async def save(tx: DeliveryTransaction) -> None:
        await tx.save_card(card)

    return save


def _what(item: OutboxItem | NoticeItem) -> str:
    if isinstance(item, NoticeItem):
        return str(item.notice.kind)
    return f"{item.notification.kind} for {item.notification.ref}"
