"""The real PTB JobQueue driving the deadline sweep."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import build_application
from bot.estate import load_estate
from bot.scheduler import sweeps_scheduled
from bot.settings import Settings
from bot.storage import SqliteStore
from tests.conftest import START
from tests.helpers import DeskDriver, hours
from workflow.clock import FakeClock
from workflow.decisions import Decision
from workflow.model import Category
from workflow.notifications import NoticeKind
from workflow.service import Desk

ROOT = Path(__file__).resolve().parent.parent


class RecordingNotifier:
    def __init__(self) -> None:
        self.delivered: list[Decision] = []

    async def deliver(self, decision: Decision) -> None:
        self.delivered.append(decision)

    def kinds(self) -> list[NoticeKind]:
        return [n.kind for d in self.delivered for n in d.notifications]


async def test_start_up_fires_what_fell_due_while_the_bot_was_down(tmp_path: Path) -> None:
    estate = load_estate(ROOT / "estate.toml")
    settings = Settings(
        _env_file=None,
        bot_token="123:TEST",  # type: ignore[call-arg]
        database_path=tmp_path / "desk.sqlite3",
        sweep_seconds=0.05,
        bot_api_url="http://127.0.0.1:9/bot",
    )
    clock = FakeClock(START)
    async with SqliteStore(settings.database_path) as store:
        await DeskDriver(Desk(store, estate.policy(), clock), clock).file(Category.REPAIR)
    clock.advance(hours(2))

    notifier = RecordingNotifier()
    app = build_application(settings, estate, clock=clock, notifier=notifier)
    assert app.post_init is not None and app.post_shutdown is not None
    await app.post_init(app)
    assert app.job_queue is not None
    await app.job_queue.start()
    try:
        assert sweeps_scheduled(app)
        for _ in range(100):
            if NoticeKind.ESCALATED in notifier.kinds():
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # several more sweeps run
    finally:
        await app.job_queue.stop()
        await app.post_shutdown(app)

    assert notifier.kinds().count(NoticeKind.ESCALATED) == 1
