"""Keeping each case's cards up to date: edited in place to the case's state,
except in a group whose minute has no room left for a new message (then
later, with the latest state: the rest of the minute is the digests')."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError

from delivery.digest import Digester
from delivery.limits import SendLimits
from delivery.outcomes import migrated
from delivery.ports import DeliveryStore
from delivery.records import Card
from views.cards import group_card, taken_by_someone_else
from views.i18n import Translator
from workflow.directory import Person
from workflow.model import Case
from workflow.notifications import Notification

log = logging.getLogger("delivery.courier")


class Cards:
    def __init__(
        self,
        store: DeliveryStore,
        bot: Bot,
        limits: SendLimits,
        digester: Digester,
        translator: Callable[[str | None], Translator],
        people: Callable[[Case, Iterable[Notification]], Awaitable[dict[int, Person]]],
    ) -> None:
        self.store = store
        self.bot = bot
        self.limits = limits
        self.digester = digester
        self.translator = translator
        self.people = people
        # Cards not edited because their group's minute was nearly spent: case id by
        # (chat, message). Edited with the latest state once the group has room.
        self._stale: dict[tuple[int, int], int] = {}

    async def refresh(
        self,
        case: Case,
        people: dict[int, Person] | None = None,
        skip: Collection[tuple[int, int]] = (),
    ) -> None:
        """Edit the case's cards to its current state; `people` if the caller has
        them already (the reporter and whoever acted on the case); not those in
        `skip` (chat, message), just posted with the case as it is."""
        async with self.store.reading() as tx:
            cards = await tx.cards(case.id)
            fresh = await tx.get(case.id)
            groups = {g.chat_id: g for g in await tx.role_groups()}
        case = fresh or case
        if not cards:
            return
        if people is None or not {case.acknowledged_by, case.resolved_by} <= {None, *people}:
            people = await self.people(case, [])
        for card in cards:
            if (card.chat_id, card.message_id) in skip:
                continue
            if await self.digester.touch(card.chat_id, card.message_id):
                continue  # part of a digest: edited with the digest, coalesced
            if self.limits.full(card.chat_id):  # no room but the edits' reserve: later
                self._stale[(card.chat_id, card.message_id)] = case.id
                continue
            self._stale.pop((card.chat_id, card.message_id), None)
            group = groups.get(card.chat_id)
            viewer = people.get(card.chat_id) if card.chat_id > 0 else None
            if card.chat_id > 0 and viewer is None:
                async with self.store.reading() as tx:
                    viewer = await tx.person(card.chat_id)
            language = group.language if group else (viewer.language if viewer else None)
            t = self.translator(language)
            taken = taken_by_someone_else(case, card.chat_id)
            text, buttons = group_card(case, people, t, group.role if group else None, taken)
            try:
                # An edit that changes nothing is answered by the limiter, not sent.
                await self.bot.edit_message_text(
                    text,
                    card.chat_id,
                    card.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=buttons,
                )
            except BadRequest as error:
                if "not modified" not in str(error).lower():
                    log.warning(
                        "could not update the card of %s in %s: %s", case.ref, card.chat_id, error
                    )
            except (Forbidden, NetworkError) as error:
                log.warning("card of %s in %s not updated now: %s", case.ref, card.chat_id, error)
            except ChatMigrated as error:  # the group is a supergroup now: follow it
                await migrated(self.store, card.chat_id, int(error.new_chat_id))

    async def refresh_stale(self) -> None:
        """Cards left behind in a busy minute, brought up to date once there is room."""
        cases = {
            case_id
            for (chat_id, _), case_id in self._stale.items()
            if not self.limits.full(chat_id)
        }
        for case_id in sorted(cases):
            async with self.store.reading() as tx:
                case = await tx.get(case_id)
            if case is None:
                self._stale = {k: v for k, v in self._stale.items() if v != case_id}
                continue
            await self.refresh(case)

    async def retire(self, card: Card) -> None:
        """An older card for the same case in this chat loses its buttons."""
        with contextlib.suppress(BadRequest):
            await self.bot.edit_message_reply_markup(
                card.chat_id, card.message_id, reply_markup=None
            )
