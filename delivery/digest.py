"""Keeping a group under Telegram's limit during a burst.

Telegram lets a bot post about 20 messages a minute in one group. A water
outage can bring 200 complaints in five minutes, so once a group has had
`BUSY` (12) messages in the last minute, new cases join a digest card (one per
building and category, with one set of buttons) and other lines join the
group's feed digest; both are edited in place, at most once every ten
seconds however many cases join (edits count against the group's minute too).
Digests live in the database: a case in a digest is never lost, even if the
bot stops before the next edit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden

from delivery.limits import BUSY, HARD, SendLimits
from delivery.ports import DeliveryStore
from delivery.records import Card, Digest
from views.callbacks import data
from views.cards import ICONS, where
from views.i18n import Markup, Translator
from views.lengths import cut_html, html_units
from views.notices import Outgoing
from workflow.clock import Clock
from workflow.model import Case, Status

log = logging.getLogger(__name__)

__all__ = ["BUSY", "HARD", "Deferred", "Digester"]
DIGEST_OPEN_FOR = timedelta(minutes=15)
MAX_CASES = 25
MAX_FEED_CHARS = 3500


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
        self._edited_at: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def take(self, chat_id: int, out: Outgoing, case: Case) -> None:
        """Put a card or a line into the group's digest instead of posting it.
        One at a time: cases delivered side by side must not both start a
        digest, nor overwrite each other's additions."""
        async with self._lock:
            await self._take(chat_id, out, case)

    async def _take(self, chat_id: int, out: Outgoing, case: Case) -> None:
        if out.as_card:
            building = (
                case.location.building
                or (case.reporter_unit.building if case.reporter_unit else "")
                or "-"
            )
            key = f"cards:{building}:{case.category}"
        else:
            key = "feed"
        since = self.clock.now() - DIGEST_OPEN_FOR
        async with self.store.transaction() as tx:
            digest = await tx.open_digest(chat_id, key, since)
        if digest is None or not _has_room(digest, out):
            if self.limits.full(chat_id):
                raise Deferred
            t = await self.translator_for(chat_id)
            message = await self.bot.send_message(
                chat_id, t("digest.starting"), parse_mode=ParseMode.HTML
            )
            async with self.store.transaction() as tx:
                digest = await tx.add_digest(chat_id, message.message_id, key, self.clock.now())
        if out.as_card:
            if case.id not in digest.case_ids:
                digest.case_ids.append(case.id)
        else:
            digest.lines.append(out.text)
        digest.dirty = True
        async with self.store.transaction() as tx:
            await tx.save_digest(digest)
            if out.as_card:
                await tx.save_card(
                    Card(case_id=case.id, chat_id=chat_id, message_id=digest.message_id)
                )

    async def edit_dirty(self) -> int:
        """Edit every digest that changed, no more often than `edit_every` each."""
        async with self.store.transaction() as tx:
            dirty = await tx.dirty_digests()
        now = time.monotonic()
        edited = 0
        for digest in dirty:
            if now - self._edited_at.get(digest.id, 0.0) < self.edit_every:
                continue
            if self.limits.full(digest.chat_id):
                continue  # edits count against the group's minute too: stays dirty, next round
            self._edited_at[digest.id] = now
            await self._edit(digest)
            edited += 1
        return edited

    async def pending(self) -> int:
        async with self.store.transaction() as tx:
            return len(await tx.dirty_digests())

    async def _edit(self, digest: Digest) -> None:
        t = await self.translator_for(digest.chat_id)
        if digest.key == "feed":
            text = "\n".join([t("digest.feed", count=len(digest.lines)), *digest.lines])
            buttons = None
        else:
            async with self.store.transaction() as tx:
                cases = [c for i in digest.case_ids if (c := await tx.get(i)) is not None]
            text, buttons = _card_digest(digest, cases, t)
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
    lines += [
        t(
            "digest.case",
            ref=Markup(f"<b>{c.ref}</b>"),
            where=where(c.location, t),
            text=c.description[:40],
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
