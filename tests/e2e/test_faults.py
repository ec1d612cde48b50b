"""Faults: a flaky network, a repeated update, a blocked user, a locked and a
full database. After each: every case a resident was told about exists once,
and nobody was told about a case that was not stored."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.harness import RESIDENTS, Estate, running_estate
from tests.e2e.steps import REF, file_case, last_text, to_summary
from workflow import commands as cmd
from workflow.model import Actor, Category, Location, Urgency
from workflow.roles import Role


def refs_told(estate: Estate) -> Counter[str]:
    """References residents were told their case was filed under."""
    told: Counter[str] = Counter()
    for user_id, *_ in RESIDENTS.values():
        for message in estate.world.chats[user_id].bot_messages():
            if (
                "✅" in message.text
                and (match := REF.search(message.text))
                and (
                    "已登記" in message.text
                    or "已登记" in message.text
                    or "is recorded" in message.text
                )
            ):
                told[match.group(0)] += 1
    return told


async def stored(estate: Estate) -> set[str]:
    svc = estate.app.bot_data["estate_desk"]
    async with svc.store.transaction() as tx:
        rows = await tx._all("SELECT ref FROM cases")
    return {row[0] for row in rows}


async def file_twelve(estate: Estate) -> None:
    """Twelve repair cases from the three residents, each delivered as filed."""
    svc = estate.app.bot_data["estate_desk"]
    for i in range(12):
        name = list(RESIDENTS)[i % 3]
        user_id, _lang, building, unit, _phone = RESIDENTS[name]
        await svc.desk.file(
            cmd.FileCase(
                actor=Actor(user_id, frozenset({Role.RESIDENT})),
                category=Category.REPAIR,
                description=f"leak {i}",
                location=Location(building, unit),
                urgency=Urgency.NORMAL,
                reporter_unit=Location(building, f"{unit}-{i}"),
            )
        )
        svc.wake_courier()
    await estate.settle()


async def test_a_flaky_network_delays_messages_but_loses_and_doubles_none(
    estate: Estate,
) -> None:
    for name in RESIDENTS:
        estate.resident(name).send("/start")
    await estate.settle()
    estate.world.faults.error_rate = 0.10  # one call in ten answered 502
    await file_twelve(estate)
    estate.world.faults.error_rate = 0.0

    told = refs_told(estate)
    assert set(told) == await stored(estate), "told exactly about what was stored"
    assert all(n == 1 for n in told.values()), "nobody told twice"
    assert len(told) == 12


async def test_timeouts_delay_messages_but_lose_none(tmp_path: Path) -> None:
    """A call that times out may still have reached Telegram: the courier tries
    again, so a resident can see a confirmation twice (at least once, never
    none), and is never told about a case that was not stored."""
    async with running_estate(tmp_path, telegram_timeout=0.3) as estate:
        svc = estate.app.bot_data["estate_desk"]
        for name in RESIDENTS:
            estate.resident(name).send("/start")
        await estate.settle()
        estate.world.faults.timeout_hold = 0.6  # past the bot's 0.3 s, then answered anyway
        estate.world.faults.timeout_rate = 0.10
        await file_twelve(estate)
        estate.world.faults.timeout_rate = 0.0
        await asyncio.sleep(0.7)  # the last held calls land
        await estate.settle()

        assert estate.world.faults.held > 0, "some calls timed out"
        told = refs_told(estate)
        assert set(told) == await stored(estate), "told about every stored case, and only those"
        assert len(told) == 12
        async with svc.store.reading() as tx:
            outcomes = await tx.outbox_counts()
        assert set(outcomes) <= {"sent", "nobody"}, outcomes


async def test_a_repeated_update_files_one_case(estate: Estate) -> None:
    chan = estate.resident("chan")
    summary = await to_summary(estate, chan, "🧹 清潔問題", "大堂地滑")
    data = summary.button("確認提交").callback_data or ""
    first = chan.press_data(summary, data)
    second = chan.press_data(summary, data)  # Telegram delivers the same press again
    await chan.answer_to(first)
    await chan.answer_to(second)
    await estate.settle()

    assert len(await stored(estate)) == 1
    assert sum(refs_told(estate).values()) == 1


async def test_a_resident_who_blocked_the_bot_does_not_stop_the_office(estate: Estate) -> None:
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Window jammed", urgency="🕒")
    estate.world.blocked.add(smith.id)
    lead = estate.staff(Role.REPAIR_LEAD)
    card = await estate.card(Role.REPAIR_LEAD, ref)
    await estate.press(lead, card, "接手")

    svc = estate.app.bot_data["estate_desk"]
    async with svc.store.transaction() as tx:
        person = await tx.person(smith.id)
        counts = await tx.outbox_counts()
    assert person is not None
    assert not person.reachable
    assert counts.get("blocked", 0) >= 1
    assert counts.get("pending", 0) == 0
    assert "Leo Repair" in (await estate.card(Role.REPAIR_LEAD, ref)).text

    smith.send("/start")  # unblocking is writing to the bot again
    await estate.settle()
    async with svc.store.transaction() as tx:
        person = await tx.person(smith.id)
        assert person is not None
        assert person.reachable


async def test_a_database_locked_for_a_while_makes_a_filing_wait_not_fail(
    estate: Estate,
) -> None:
    path = estate.settings.database_path
    other = sqlite3.connect(path, timeout=1)
    other.execute("BEGIN EXCLUSIVE")
    loop = asyncio.get_running_loop()
    loop.call_later(2.0, other.rollback)  # another process holds the file for 2 s
    try:
        ref = await file_case(estate, estate.resident("wang"), "🔧 报修", "门铃坏了", urgency="🕒")
    finally:
        other.close()

    assert ref in await stored(estate)
    assert refs_told(estate)[ref] == 1


async def test_a_full_disk_files_nothing_and_the_resident_can_try_again(
    estate: Estate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def full_disk(self: object, case: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    chan = estate.resident("chan")
    summary = await to_summary(estate, chan, "🧹 清潔問題", "垃圾房好臭")

    from bot import storage

    monkeypatch.setattr(storage.SqliteTransaction, "add", full_disk)
    await estate.press(chan, summary, "確認提交")
    assert "未能儲存" in last_text(chan)
    assert await stored(estate) == set()
    monkeypatch.undo()

    retry = await chan.wait_for_button("確認提交", after=summary.message_id - 1)
    await estate.press(chan, retry, "確認提交")
    assert len(await stored(estate)) == 1
    assert sum(refs_told(estate).values()) == 1
