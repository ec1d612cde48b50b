"""The one place a message Telegram refused for good ends up.

A 403 (the person blocked the bot, or the bot left the group) and a 400 (the
message or the chat is wrong) are not retried: retrying would only repeat the
answer and hold back the messages behind it. Each is recorded as the message's
outcome and handed to `refused`, which the bad-days work extends (telling the
office, unbinding a group the bot was removed from...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram.error import BadRequest, Forbidden

from delivery.ports import DeliveryStore
from workflow.clock import Clock
from workflow.directory import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    chat_id: int
    what: str  # the notice's kind and reference, for the log
    error: BadRequest | Forbidden
    person: Person | None = None  # the person the chat belongs to, if a private chat


async def refused(store: DeliveryStore, clock: Clock, refusal: Refusal) -> str:
    """Record a 400 or 403 for one message; returns the outbox outcome."""
    error = refusal.error
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
