"""Keeping a group under Telegram's limit during a burst.

Telegram lets a bot post about 20 messages a minute in one group. A water
outage can bring 200 complaints in five minutes, an escalation storm 2,000 in
two, so once a group has had `BUSY` (12) messages in the last minute, new
cards join a digest (one per kind of event, building and category: the new
cases, the cases escalated to the group; with one set of buttons) listing
every case by its reference, place and state, and other lines join the
group's feed digest of their kind.

A case or line joins its digest in the database at once, and the notice that
brought it is done: it never waits in the outbox for the group's minute. The
digests are posted and edited in the courier's every round (`catch_up`), as
the group's minute has room: a new digest is posted with every case and line
that joined it while it waited (up to a message's worth: `MAX_CASES`), never
as an empty placeholder, so each message a storm spends in a group shows as
many cases as it can hold; a posted digest is edited in place as cases join
and change, at most once every `edit_every` seconds each. Digests live in
the database: a case in a digest is never lost, even if the bot stops before
its digest is posted or edited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from delivery.limits import BUSY, HARD, SendLimits
from delivery.outcomes import Refusal, migrated, refused
from delivery.ports import DeliveryStore
from delivery.records import Card, Digest
from views.callbacks import data
from views.cards import ICONS, where
from views.i18n import Markup, Translator
from views.lengths import cut_html, cut_text, html_units
from views.notices import Outgoing
from workflow.clock import Clock
from workflow.model import Case, Status

log = logging.getLogger(__name__)

__all__ = ["BUSY", "HARD", "Deferred", "Digester"]
DIGEST_OPEN_FOR = timedelta(minutes=15)
# Cases one digest lists: a line each (reference, place, state) within
# Telegram's 4096 UTF-16 units, the header and the place cut short included.
MAX_CASES = 60
PLACE_UNITS = 24
MAX_FEED_CHARS = 3500
# A line in a feed digest: its start (each begins with the case's reference).
FEED_LINE_UNITS = 64
NOT_POSTED = 0  # a digest's message id until it is posted (Telegram's ids start at 1)


class Deferred(Exception):
    """The group's budget is spent: deliver this later."""


class Digester:
    def __init__(
        self,
        store: DeliveryStore,
        bot: Bot,
        clock: Clock,
        limits: SendLimits,
        translator_for: Callable[[int], Awaitable[Translator]],
        admins: Iterable[int] = (),  # told when a group is lost
        # Each edit spends one of the group's ~20 a minute, as a new message does:
        # a digest is brought up to date at most every 10 s, leaving room for more.
        edit_every: float = 10.0,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        self.limits = limits
        self.translator_for = translator_for
        self.edit_every = edit_every
        self.admins = frozenset(admins)
        self._edited_at: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def take(self, chat_id: int, out: Outgoing, case: Case, kind: str = "") -> None:
        """Put a card or a line into the group's digest of its kind (`kind`: the
        notice's) instead of posting it: the open one if it has room, else a new
        one, posted by the next `catch_up`. One at a time: cases delivered side
        by side must not both start a digest, nor overwrite each other's additions."""
        async with self._lock:
            await self._take(chat_id, out, case, kind)

    async def _take(self, chat_id: int, out: Outgoing, case: Case, kind: str) -> None:
        if out.as_card:
            building = (
                case.location.building
                or (case.reporter_unit.building if case.reporter_unit else "")
                or "-"
            )
            key = f"cards:{building}:{case.category}:{kind}"
        else:
            key = f"feed:{kind}"
            out = Outgoing(cut_html(out.text, FEED_LINE_UNITS))
        since = self.clock.now() - DIGEST_OPEN_FOR
        async with self.store.transaction() as tx:
            digest = await tx.open_digest(chat_id, key, since)
            if digest is None or not _has_room(digest, out):
                # Not posted yet (message 0): the next round posts it with all it holds.
                digest = await tx.add_digest(chat_id, NOT_POSTED, key, self.clock.now())
            if out.as_card:
                if case.id in digest.case_ids:
                    return
                digest.case_ids.append(case.id)
            else:
                digest.lines.append(out.text)
            digest.dirty = True
            await tx.save_digest(digest)
            if out.as_card and digest.message_id != NOT_POSTED:
                await tx.save_card(
                    Card(case_id=case.id, chat_id=chat_id, message_id=digest.message_id)
                )

    async def catch_up(self) -> int:
        """Post the digests waiting to be posted and edit those that changed (no
        more often than `edit_every` each), as each group's minute has room;
        each group's in turn, the groups side by side. Edits of what is posted
        go first: a case acknowledged from a digest shows it before more cases
        are posted. How many messages were posted or edited."""
        async with self.store.reading() as tx:
            dirty = await tx.dirty_digests()
        by_chat: dict[int, list[Digest]] = {}
        for digest in sorted(dirty, key=lambda d: (d.message_id == NOT_POSTED, d.id)):
            by_chat.setdefault(digest.chat_id, []).append(digest)
        done = await asyncio.gather(*(self._catch_up(chat) for chat in by_chat.values()))
        return sum(done)

    async def _catch_up(self, digests: list[Digest]) -> int:
        """One group's digests, in order, while its minute has room. A network
        error or a 429 ends this group's turn, not the courier's round: its
        digests stay due for the next one."""
        done = 0
        for digest in digests:
            if self.limits.no_room_to_edit(digest.chat_id):
                break  # posts and edits count against the group's minute: next round
            posted = digest.message_id != NOT_POSTED
            if posted and time.monotonic() - self._edited_at.get(digest.id, 0.0) < self.edit_every:
                continue
            try:
                if posted:
                    await self._edit(digest)
                elif not await self._post(digest):
                    break  # the group is gone or moved: its other digests follow it
            except (NetworkError, RetryAfter) as error:
                log.warning(
                    "digest %s in %s not brought up to date now: %s",
                    digest.id,
                    digest.chat_id,
                    error,
                )
                break
            self._edited_at[digest.id] = time.monotonic()
            done += 1
        return done

    async def pending(self) -> int:
        async with self.store.reading() as tx:
            return len(await tx.dirty_digests())

    async def _post(self, digest: Digest) -> bool:
        """Post a digest with everything that joined it; False if the group would
        not take it (lost: the courier's `refused` sends its open cases where the
        role's cases go now; upgraded: the digest waits for the new chat)."""
        text, buttons = await self._rendered(digest)
        try:
            message = await self.bot.send_message(
                digest.chat_id, cut_html(text), parse_mode=ParseMode.HTML, reply_markup=buttons
            )
        except ChatMigrated as error:
            # A supergroup now: the bindings follow, and so do the digests not
            # posted yet (`migrate_chat`), to be posted there by the next round.
            async with self._lock:
                await migrated(self.store, digest.chat_id, int(error.new_chat_id))
            return False
        except (BadRequest, Forbidden) as error:
            refusal = Refusal(digest.chat_id, f"digest {digest.key}", error)
            await refused(self.store, self.clock, refusal, self.admins)
            async with self._lock, self.store.transaction() as tx:
                current = await tx.digest(digest.id)
                if current is not None:
                    current.dirty = False  # not tried again in a chat that refused it
                    await tx.save_digest(current)
            return False
        async with self._lock, self.store.transaction() as tx:
            current = await tx.digest(digest.id) or digest
            current.message_id = message.message_id
            current.dirty = (current.case_ids, current.lines) != (digest.case_ids, digest.lines)
            await tx.save_digest(current)
            for case_id in current.case_ids:
                await tx.save_card(
                    Card(case_id=case_id, chat_id=current.chat_id, message_id=message.message_id)
                )
        return True

    async def _rendered(self, digest: Digest) -> tuple[str, InlineKeyboardMarkup | None]:
        t = await self.translator_for(digest.chat_id)
        cases = []
        if digest.key.startswith("cards:"):
            async with self.store.reading() as tx:
                cases = [c for i in digest.case_ids if (c := await tx.get(i)) is not None]
        return _render(digest, cases, t)

    async def _edit(self, digest: Digest) -> None:
        text, buttons = await self._rendered(digest)
        # "not modified" is fine; a group lost or upgraded meanwhile is the
        # courier's to notice (outcomes.py), not a reason to fail every round.
        with contextlib.suppress(BadRequest, Forbidden, ChatMigrated):
            await self.bot.edit_message_text(
                cut_html(text),  # within Telegram's 4096 UTF-16 units, whatever the lines
                digest.chat_id,
                digest.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=buttons,
            )
        async with self._lock, self.store.transaction() as tx:
            current = await tx.digest(digest.id)
            if (
                current is not None
                and current.case_ids == digest.case_ids
                and current.lines == digest.lines
            ):
                current.dirty = False  # nothing joined while we were editing
                await tx.save_digest(current)

    async def touch(self, chat_id: int, message_id: int) -> bool:
        """A member case changed: its digest needs an edit. False if not a digest."""
        async with self._lock:
            async with self.store.reading() as tx:
                digest = await tx.digest_at(chat_id, message_id)
            if digest is None:
                return False  # the usual answer: a look-up, no write
            if digest.dirty:
                return True  # its next edit shows the case as it is then
            async with self.store.transaction() as tx:
                digest = await tx.digest_at(chat_id, message_id)
                if digest is not None:
                    digest.dirty = True
                    await tx.save_digest(digest)
        return True


def _has_room(digest: Digest, out: Outgoing) -> bool:
    if out.as_card:
        return len(digest.case_ids) < MAX_CASES
    return sum(html_units(line) for line in digest.lines) + html_units(out.text) < MAX_FEED_CHARS


def _render(
    digest: Digest, cases: list[Case], t: Translator
) -> tuple[str, InlineKeyboardMarkup | None]:
    if digest.key.startswith("cards:"):
        return _card_digest(digest, cases, t)
    return "\n".join([t("digest.feed", count=len(digest.lines)), *_by_case(digest.lines)]), None


_REFERENCE = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")


def reference(text: str) -> str | None:
    """The case reference a message names first (a card starts with it, and
    each line of a feed)."""
    found = _REFERENCE.search(text)
    return found.group(0) if found else None


def _by_case(lines: list[str]) -> list[str]:
    """A feed's lines in the order of their cases' references (each line names
    its case), a case's own lines in the order they came: in a storm, a case
    whose earlier message waited for the group's second joins later than the
    cases after it, and the feed still reads C-00011 before C-00018."""
    return sorted(lines, key=lambda line: reference(line) or "")


def _card_digest(
    digest: Digest, cases: list[Case], t: Translator
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not cases:
        return t("digest.starting"), None
    first = cases[0]
    building = digest.key.split(":")[1]
    lines = [
        t.count(
            "digest.cards",
            len(cases),
            icon=ICONS[first.category],
            category=t.raw("category." + first.category),
            building=t.building(building),
        )
    ]
    if digest.key.endswith(":escalated"):
        lines.insert(0, t("digest.escalated"))
    lines += [
        t(
            "digest.line",
            ref=Markup(f"<b>{c.ref}</b>"),
            where=cut_text(where(c.location, t), PLACE_UNITS),
            status=t.raw("status.word." + c.status),
        )
        for c in cases
    ]
    waiting = [c for c in cases if c.status in (Status.NEW, Status.REOPENED)]
    buttons = (
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t.raw("button.acknowledge_all", count=len(waiting)),
                        callback_data=data("c", "ackall", digest.id),
                    )
                ]
            ]
        )
        if waiting
        else None
    )
    return "\n".join(lines), buttons
