"""The running bot's parts, built once at start-up and kept on the Application:
the handlers' services (`handlers.context.Services`) and what only the bot
itself touches (settings, the store, the courier)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.settings import Settings
from bot.storage import Store
from delivery.bulletins import Broadcaster
from delivery.courier import Courier
from delivery.records import Card
from delivery.surveys import SurveySender
from handlers.context import Services
from workflow.clock import Clock
from workflow.estate import EstateConfig
from workflow.model import Case
from workflow.service import Desk

RUNTIME_KEY = "estate_desk"  # tests and the benchmarks read it by this name


@dataclass
class Runtime:
    settings: Settings
    estate: EstateConfig
    store: Store
    desk: Desk
    clock: Clock
    shell: Services
    courier: Courier | None = field(default=None)
    broadcaster: Broadcaster | None = field(default=None)
    survey_sender: SurveySender | None = field(default=None)

    def wake_courier(self) -> None:
        if self.courier is not None:
            self.courier.wake()


class CourierHandle:
    """The courier as handlers see it (`handlers.context.Outbound`): there from
    the first update, though the courier itself starts with the application."""

    def __init__(self) -> None:
        self.courier: Courier | None = None

    def wake(self) -> None:
        if self.courier is not None:
            self.courier.wake()

    async def deliver_now(self, case_id: int, user_id: int, in_place: int | None = None) -> bool:
        if self.courier is None:
            return False
        return await self.courier.deliver_now(case_id, user_id, in_place)

    async def refresh_cards(self, case: Case) -> None:
        if self.courier is not None:
            await self.courier.refresh_cards(case)


class BroadcastHandle:
    """The broadcaster (notices to residents, incident cards) as handlers see it."""

    def __init__(self) -> None:
        self.broadcaster: Broadcaster | None = None

    def wake(self) -> None:
        if self.broadcaster is not None:
            self.broadcaster.wake()


class StoreBoards:
    """`handlers.context.Boards` over the store's cards and digests tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def cards_of(self, case_ids: list[int]) -> dict[int, list[Card]]:
        async with self.store.reading() as tx:
            return {i: await tx.cards(i) for i in case_ids}

    async def digest_cases(self, digest_id: int) -> list[int] | None:
        async with self.store.reading() as tx:
            digest = await tx.digest(digest_id)
        return None if digest is None else list(digest.case_ids)


def services(application: Any) -> Runtime:
    runtime = application.bot_data.get(RUNTIME_KEY)
    if not isinstance(runtime, Runtime):
        raise RuntimeError("the application was built without its services")
    return runtime
