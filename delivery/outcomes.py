"""The one place a message Telegram refused for good ends up.

A 403 (the person blocked the bot, or the bot left the group) and a 400 (the
message or the chat is wrong) are not retried: retrying would only repeat the
answer and hold back the messages behind it. Each is recorded as the message's
outcome and handed to `refused`:

- a private chat's 403: the person is marked unreachable (until they write again);
- a group's 403, or "chat not found": the group's bindings are marked broken,
  the admins and the front desk are told at once, and `GROUP_LOST` is returned
  so the courier sends the message where the role's cases go meanwhile.

A group upgraded to a supergroup is not a refusal: `migrated` moves its
bindings to the new chat id, and the courier sends the message there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram.error import BadRequest, Forbidden

from delivery.ports import DeliveryStore
from workflow.clock import Clock
from workflow.directory import Person
from workflow.directory_service import cards_elsewhere, group_notices
from workflow.notifications import Announcement

log = logging.getLogger(__name__)

GROUP_LOST = "group_lost"  # the outcome when a bound group refused: sent elsewhere instead


@dataclass(frozen=True)
class Refusal:
    chat_id: int
    what: str  # the notice's kind and reference, for the log
    error: BadRequest | Forbidden
    person: Person | None = None  # the person the chat belongs to, if a private chat
    case_id: int | None = None  # the case the message is about, if any


def group_is_gone(refusal: Refusal) -> str | None:
    """Why a group chat will take no message from the bot, if that is what the
    answer says: "removed" (403: kicked, left, not a member) or "not_found"."""
    if refusal.chat_id >= 0:
        return None
    if isinstance(refusal.error, Forbidden):
        return "removed"
    if "chat not found" in str(refusal.error).lower():
        return "not_found"
    return None


async def refused(
    store: DeliveryStore, clock: Clock, refusal: Refusal, admins: Iterable[int] = ()
) -> str:
    """Record a 400 or 403 for one message; returns the outbox outcome."""
    error = refusal.error
    reason = group_is_gone(refusal)
    if reason is not None:
        now = clock.now()
        async with store.transaction() as tx:
            lost = await tx.mark_group_broken(refusal.chat_id, reason, now)
            await tx.enqueue_notices(group_notices(Announcement.GROUP_LOST, lost, admins), now)
            if lost:
                elsewhere = cards_elsewhere(await tx.open_cases(), lost, but=refusal.case_id)
                await tx.enqueue(elsewhere, now)
            bound = [g.role for g in await tx.role_groups() if g.chat_id == refusal.chat_id]
        log.warning(
            "%s: group %s refused the bot (%s); %s",
            refusal.what,
            refusal.chat_id,
            error,
            f"binding of {', '.join(map(str, bound))} marked broken, admins told"
            if bound
            else "no role is bound to it",
        )
        return GROUP_LOST if bound else "blocked"
    if isinstance(error, Forbidden):
        log.warning("%s: chat %s refused the bot: %s", refusal.what, refusal.chat_id, error)
        person = refusal.person
        if person is not None and person.reachable:
            person.reachable = False
            async with store.transaction() as tx:
                await tx.save_person(person, clock.now())
        return "blocked"
    log.error("Telegram refused %s for chat %s: %s", refusal.what, refusal.chat_id, error)
    return f"refused: {error}"


async def migrated(store: DeliveryStore, old_chat_id: int, new_chat_id: int) -> int:
    """Telegram answered that a group became a supergroup: every role bound to
    the old chat id is bound to the new one (its cards, made in the old chat,
    are forgotten). Returns the chat id to send to now."""
    async with store.transaction() as tx:
        roles = await tx.migrate_chat(old_chat_id, new_chat_id)
    log.warning(
        "group %s was upgraded to supergroup %s; %s",
        old_chat_id,
        new_chat_id,
        f"rebound {', '.join(map(str, roles))}" if roles else "no role was bound to it",
    )
    return new_chat_id
