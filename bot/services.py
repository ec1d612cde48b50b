"""Everything a handler or job needs, built once at start-up and kept on the
Application, so handlers take it from there instead of from globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from bot.storage import SqliteStore
from workflow.clock import Clock
from workflow.estate import EstateConfig
from workflow.service import Desk

if TYPE_CHECKING:
    from delivery.courier import Courier

SERVICES_KEY = "estate_desk"


@dataclass
class Services:
    settings: Settings
    estate: EstateConfig
    store: SqliteStore
    desk: Desk
    clock: Clock
    courier: Courier | None = field(default=None)

    def wake_courier(self) -> None:
        if self.courier is not None:
            self.courier.wake()


def services(application: Any) -> Services:
    svc = application.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services):
        raise RuntimeError("the application was built without its services")
    return svc
