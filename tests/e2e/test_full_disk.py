"""The disk fills right after a send: the message went out, its outcome cannot
be recorded. Delivery pauses instead of sending it again every round, the log
says so once, and it all resumes by itself when the disk has room again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import Counter
from datetime import datetime

import pytest

from bot.services import services
from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import to_summary


def new_messages(estate: Estate, before: dict[int, int]) -> dict[int, list[str]]:
    return {
        chat_id: [m.text for m in chat.bot_messages()[before.get(chat_id, 0) :]]
        for chat_id, chat in estate.world.chats.items()
    }


async def test_a_full_disk_right_after_a_send_pauses_delivery_and_sends_nothing_twice(
    estate: Estate, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    courier = services(estate.app).courier
    assert courier is not None
    courier.breaker.probe_delays = (0.2,)
    admin = estate.world.users[ADMIN_ID]
    admin.send("/start")
    await estate.settle()
    chan = estate.resident("chan")
    summary = await to_summary(estate, chan, "🧹 清潔問題", "垃圾房好臭")
    before = {chat_id: len(chat.bot_messages()) for chat_id, chat in estate.world.chats.items()}

    async def disk_full(self: object, item_id: int, now: datetime, outcome: str) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    from bot import storage

    monkeypatch.setattr(storage.SqliteTransaction, "finish_notification", disk_full)

    def confirmed() -> int:
        """The summary she pressed, turned into the confirmation (one edit, no new message)."""
        return int("✅" in chan.private.messages[summary.message_id].get("text", ""))

    await chan.answer_to(chan.press(summary, "確認提交"))
    await estate.world.wait_for(
        lambda: any(new_messages(estate, before).values()) or confirmed(), what="the first send"
    )
    for _ in range(6):  # six courier rounds while the disk stays full
        with contextlib.suppress(sqlite3.OperationalError):
            await courier.flush()
        await asyncio.sleep(0.1)

    paused = {chat: texts for chat, texts in new_messages(estate, before).items() if texts}
    assert courier.breaker.is_open, "delivery is paused"
    # What was on its way when the write failed went out (the confirmation and
    # the staff card run side by side), once each; nothing after it.
    count = sum(len(texts) for texts in paused.values()) + confirmed()
    assert 1 <= count <= 2, paused
    assert all(len(t) == 1 for t in paused.values()), paused
    with contextlib.suppress(sqlite3.OperationalError):
        await courier.flush()
    still = sum(len(t) for t in new_messages(estate, before).values()) + confirmed()
    assert still == count, "still paused"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "delivery paused" in errors[0].getMessage()

    monkeypatch.undo()  # room on the disk again
    await asyncio.sleep(0.3)
    await estate.settle()

    assert not courier.breaker.is_open, "delivery resumed by itself"
    sent = new_messages(estate, before)
    doubled = {chat: c for chat, texts in sent.items() for c in Counter(texts).values() if c > 1}
    assert doubled == {}, "nothing was sent twice"
    assert len([t for t in sent[chan.id] if "✅" in t]) + confirmed() == 1
    assert any("paused" in t for t in sent[ADMIN_ID]), sent[ADMIN_ID]
    cleaning = estate.groups[next(r for r in estate.groups if r == "cleaning_lead")]
    assert len(sent[cleaning.id]) >= 1, "the staff card went out after the pause"
    svc = services(estate.app)
    async with svc.store.reading() as tx:
        assert (await tx.outbox_counts()).get("pending", 0) == 0
