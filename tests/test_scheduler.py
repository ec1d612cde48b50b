"""The sweep task driving the deadlines."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_application
from bot.estate import load_estate
from bot.scheduler import Sweeper
from bot.services import services
from bot.settings import Settings
from bot.storage import store_at
from tests.conftest import START
from tests.databases import database_setting
from tests.helpers import DeskDriver, hours
from workflow.clock import FakeClock
from workflow.model import Category, EventKind
from workflow.roles import Role
from workflow.service import Desk

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.engines
async def test_the_sweep_job_fires_what_fell_due_while_the_bot_was_down_once(
    database: str | Path,
) -> None:
    estate = load_estate(ROOT / "estate.toml")
    settings = Settings(  # type: ignore[call-arg]  # _env_file is pydantic-settings' own
        _env_file=None,
        bot_token=SecretStr("123:TEST"),
        **database_setting(database),  # type: ignore[arg-type]
    )
    clock = FakeClock(START)
    async with store_at(database) as store:
        filed = await DeskDriver(Desk(store, estate.policy(), clock), clock).file(Category.REPAIR)
    clock.advance(hours(2))  # the bot was down while the deadline passed

    app = build_application(settings, estate, clock=clock)
    svc = services(app)
    await svc.store.open()
    sweeper = Sweeper(app, interval=0.05)
    sweeper.start()
    try:
        for _ in range(100):
            case = await svc.desk.get(filed.case.id)
            if case.rung is not Role.REPAIR_LEAD:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # several more sweeps run
    finally:
        await sweeper.stop()
    async with svc.store.transaction() as tx:
        kinds = [e.kind for e in await tx.events_of_case(filed.case.id)]
    await svc.store.close()

    assert case.rung is Role.REPAIR_SUPERVISOR
    assert kinds.count(EventKind.ESCALATED) == 1
