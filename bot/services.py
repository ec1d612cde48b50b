"""Everything a handler or job needs, built once at start-up and kept on the
Application, so handlers take it from there instead of from globals."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from bot.estate import EstateConfig
from bot.settings import Settings
from bot.storage import SqliteStore
from workflow.clock import Clock
from workflow.decisions import Decision
from workflow.service import Desk

SERVICES_KEY = "estate_desk"


class Notifier(Protocol):
    async def deliver(self, decision: Decision) -> None: ...


class LogNotifier:
    """Writes notifications to the log. Used until a Telegram renderer is
    plugged in, and by tools that run the desk without a bot."""

    def __init__(self) -> None:
        self.log = logging.getLogger("estate_desk.notifications")

    async def deliver(self, decision: Decision) -> None:
        for n in decision.notifications:
            self.log.info("%s %s -> %s", n.ref, n.kind, n.role or n.user_id)


@dataclass
class Services:
    settings: Settings
    estate: EstateConfig
    store: SqliteStore
    desk: Desk
    clock: Clock
    notifier: Notifier


def services(application: Any) -> Services:
    svc = application.bot_data.get(SERVICES_KEY)
    if not isinstance(svc, Services):
        raise RuntimeError("the application was built without its services")
    return svc
