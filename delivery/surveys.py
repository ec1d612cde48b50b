"""Sends survey invitations and reminders from the surveys' own outbox, the
`survey_sends` rows stored with the survey (as delivery/bulletins.py sends
notices from `bulletin_sends`).

One copy at a time, each claimed in a committed transaction before it is
sent: if the process is killed while a copy is on its way, the restart finds
it claimed, records it as unsure and never sends it again, so nobody gets a
survey twice; every copy not yet claimed goes out after the restart. The
Telegram limiter every Bot API call passes keeps the pace (30 a second
overall, one a second in a chat). A survey that closed sends nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from delivery.outcomes import Refusal, refused
from delivery.ports import DeliveryStore
from delivery.rounds import Rounds
from views.i18n import Language, Translator, language_for
from views.surveys import invite_message
from workflow.bulletins import Outcome
from workflow.clock import Clock, SystemClock
from workflow.directory import Person
from workflow.surveys import SendKind, Survey

log = logging.getLogger(__name__)

RETRY_DELAYS = (2.0, 10.0, 60.0, 300.0)
GIVE_UP_AFTER = 6
IDLE_WAIT = 5.0


class SurveySendTransaction(Protocol):
    async def next_survey_send(self, now: datetime) -> dict[str, Any] | None: ...
    async def claim_survey_send(self, send_id: int) -> bool: ...
    async def finish_survey_send(
        self, send_id: int, outcome: Outcome, message_id: int | None, now: datetime
    ) -> None: ...
    async def retry_survey_send(self, send_id: int, at: datetime) -> None: ...
    async def interrupted_survey_sends(self, now: datetime) -> int: ...
    async def pending_survey_sends(self) -> int: ...
    async def survey(self, survey_id: int) -> Survey | None: ...
    async def person(self, user_id: int) -> Person | None: ...


class SurveySendStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[SurveySendTransaction]: ...

    def reading(self) -> AbstractAsyncContextManager[SurveySendTransaction]: ...


class SurveySender(Rounds):
    task_name = "survey-sender"
    idle_wait = IDLE_WAIT

    def __init__(
        self,
        store: SurveySendStore,
        bot: Bot,
        clock: Clock,
        timezone: ZoneInfo,
        default_language: Language,
        refusals: DeliveryStore | None = None,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        self.wall = SystemClock()  # retries wait real seconds, whatever the estate's clock says
        self.timezone = timezone
        self.default_language = default_language
        self.refusals = refusals
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        super().__init__()
        self._lock = asyncio.Lock()
        self._recovered = False

    # --- running ------------------------------------------------------------------------

    async def recover(self) -> int:
        """Copies a killed process had claimed: unsure, not sent again."""
        async with self.store.transaction() as tx:
            count = await tx.interrupted_survey_sends(self.wall.now())
        if count:
            log.warning("%d survey invitations were on their way when the bot stopped", count)
        self._recovered = True
        return count

    async def pending(self) -> int:
        async with self.store.reading() as tx:
            return await tx.pending_survey_sends()

    async def flush(self) -> int:
        """Send every copy due now; returns how many were handled."""
        async with self._lock:
            if not self._recovered:
                await self.recover()
            handled = 0
            while True:
                async with self.store.transaction() as tx:
                    row = await tx.next_survey_send(self.wall.now())
                    claimed = row is not None and await tx.claim_survey_send(int(row["id"]))
                if row is None:
                    return handled
                if claimed:
                    await self._send_one(row)
                    handled += 1

    # --- one copy ---------------------------------------------------------------------------

    async def _send_one(self, row: dict[str, Any]) -> None:
        send_id, user_id = int(row["id"]), int(row["user_id"])
        kind = SendKind(row["kind"])
        async with self.store.reading() as tx:
            survey = await tx.survey(int(row["survey_id"]))
            person = await tx.person(user_id)
        if survey is None or person is None or not person.reachable:
            await self._finish(send_id, Outcome.BLOCKED if person else Outcome.FAILED, None)
            return
        t = Translator(language_for(person.language, self.default_language), self.timezone)
        out = invite_message(survey, kind, t)
        what = f"survey {survey.id} {kind}"
        try:
            message = await self.bot.send_message(
                user_id, out.text, parse_mode=ParseMode.HTML, reply_markup=out.buttons
            )
        except (BadRequest, Forbidden) as error:
            outcome = Outcome.BLOCKED if isinstance(error, Forbidden) else Outcome.FAILED
            if self.refusals is not None:
                said = await refused(
                    self.refusals, self.clock, Refusal(user_id, what, error, person)
                )
                outcome = Outcome.BLOCKED if said == "blocked" else Outcome.FAILED
            await self._finish(send_id, outcome, None)
            return
        except (NetworkError, RetryAfter, TimeoutError) as error:
            attempts = int(row["attempts"]) + 1
            if attempts >= GIVE_UP_AFTER:
                log.error("giving up on %s for %s: %s", what, user_id, error)
                await self._finish(send_id, Outcome.FAILED, None)
                return
            delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
            log.warning("%s for %s failed (%s); again in %ss", what, user_id, error, delay)
            async with self.store.transaction() as tx:
                await tx.retry_survey_send(send_id, self.wall.now() + timedelta(seconds=delay))
            return
        await self._finish(send_id, Outcome.SENT, message.message_id)

    async def _finish(self, send_id: int, outcome: Outcome, message_id: int | None) -> None:
        async with self.store.transaction() as tx:
            await tx.finish_survey_send(send_id, outcome, message_id, self.wall.now())


# --- what the survey handlers send beside their replies ------------------------------------


async def take_buttons_off(bot: Bot, chat_id: int, message_id: int) -> None:
    """A question answered with a typed reply: its Skip button goes (quietly, if
    the message is gone or was changed already)."""
    with contextlib.suppress(BadRequest, Forbidden):
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def chart_for_notice(message: Message, png: bytes, filename: str) -> str | None:
    """The chart, sent to its author first: returns Telegram's file id for it,
    which the notice to every resident then carries."""
    sent = await message.reply_photo(InputFile(png, filename=filename))
    return sent.photo[-1].file_id if sent.photo else None
