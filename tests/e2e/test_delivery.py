"""One door out: everything the bot tells anyone leaves through the outbox and
the delivery component, within Telegram's documented limits."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduler import run_timers
from bot.services import services
from delivery.limits import BUSY, HARD, SENDS_AT_MOST
from playground.fake_telegram import FakeUser
from playground.fake_telegram.process import file_in_english
from tests.e2e.harness import Estate, running_estate
from workflow import commands as cmd
from workflow.directory import Person
from workflow.model import Actor, Category, Location, Urgency
from workflow.roles import Role

REF = re.compile(r"[A-Z]{1,2}\d{4}-\d{5}")
FLOOD = 60  # residents: the whole flood takes about half a minute of real time
WITHIN = 10.0  # seconds over which they start filing


def leak_reported_by(resident: FakeUser) -> cmd.FileCase:
    """Chan's urgent kitchen leak, filed straight with the desk."""
    return cmd.FileCase(
        actor=Actor(resident.id, frozenset({Role.RESIDENT})),
        category=Category.REPAIR,
        description="廚房水喉漏水",
        location=Location("A", "12A"),
        urgency=Urgency.URGENT,
        reporter_unit=Location("A", "12A"),
    )


async def _residents(estate: Estate, count: int, first: int) -> list[FakeUser]:
    svc = services(estate.app)
    people = []
    async with svc.store.transaction() as tx:
        for i in range(count):
            user = estate.world.user(first + i, f"R{i}", language_code="en")
            estate.world.started.add(user.id)
            await tx.save_person(
                Person(
                    user_id=user.id,
                    name=user.first_name,
                    language="en",
                    building="A",
                    unit=f"{i // 8 + 1}{'ABCDEFGH'[i % 8]}",
                    resident_status="approved",
                ),
                datetime.now(UTC),
            )
            people.append(user)
    return people


async def _drain(estate: Estate, timeout: float = 120) -> None:
    """Until the outbox is empty: every notice delivered, or gathered into a
    group's digest (whose next edit waits for the group's minute, up to 60 s:
    test_burst.py follows digests to the end)."""
    svc = services(estate.app)
    assert svc.courier is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await svc.courier.flush()
        async with svc.store.reading() as tx:
            pending = (await tx.outbox_counts()).get("pending", 0)
        if pending == 0:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the outbox still had {pending} messages after {timeout} s")


async def test_a_flood_under_telegrams_strict_limits_gets_no_429_no_double_confirmation_and_no_unchanged_edit(  # noqa: E501
    tmp_path: Path,
) -> None:
    async with running_estate(
        tmp_path, group_messages_per_minute=20, chat_messages_per_second=1
    ) as estate:
        svc = services(estate.app)
        assert svc.courier is not None
        svc.courier.limits.busy_at, svc.courier.limits.full_at = BUSY, HARD
        residents = await _residents(estate, FLOOD, 60_000)
        world = estate.world
        world.strict_limits()

        async def complain(resident: FakeUser, delay: float) -> None:
            await asyncio.sleep(delay)
            await file_in_english(
                resident, "🔧 Report a repair", "No water", urgent=True, timeout=120
            )

        started = time.monotonic()
        step = WITHIN / (FLOOD - 1)
        await asyncio.gather(*(complain(r, i * step) for i, r in enumerate(residents)))
        filed = time.monotonic() - started
        await _drain(estate)
        took = time.monotonic() - started
        print(f"flood: filed {filed:.1f} s, drained {took:.1f} s")

        assert world.flood.refusals == [], f"429s in {took:.0f} s: {world.flood.refusals[:5]}"
        doubled = {
            r.id: refs
            for r in residents
            if len(refs := [m for m in r.private.bot_messages() if REF.search(m.text)]) != 1
        }
        assert not doubled, f"residents without exactly one confirmation: {list(doubled)[:5]}"
        assert world.not_modified == 0, f"{world.not_modified} unchanged edits sent"
        async with svc.store.reading() as tx:
            counts = await tx.outbox_counts()
        assert set(counts) <= {"sent", "nothing", "nobody"}, counts


async def test_one_poisoned_chat_does_not_hold_back_anyone_elses_messages(estate: Estate) -> None:
    svc = services(estate.app)
    world = estate.world
    chan, wang = estate.resident("chan"), estate.resident("wang")
    world.started.update({chan.id, wang.id})
    world.faults.poisoned.add(chan.id)  # every send to chan is answered 400
    refs = []
    for who in (chan, wang):
        filed = await svc.desk.file(
            cmd.FileCase(
                actor=Actor(who.id, frozenset({Role.RESIDENT})),
                category=Category.REPAIR,
                description="水喉漏水",
                location=Location("A", f"{who.id}"),
                urgency=Urgency.URGENT,
                reporter_unit=Location("A", f"{who.id}"),
            )
        )
        refs.append(filed.case.ref)
    svc.wake_courier()
    await estate.settle()

    assert not chan.private.bot_messages()
    assert any(refs[1] in m.text for m in wang.private.bot_messages()), "wang heard back"
    group = "\n".join(m.text for m in estate.groups[Role.REPAIR_LEAD].bot_messages())
    assert refs[0] in group, "both cards reached the repair team"
    assert refs[1] in group, "both cards reached the repair team"
    async with svc.store.reading() as tx:
        counts = await tx.outbox_counts()
    assert counts.get("pending", 0) == 0
    assert any(outcome.startswith("refused") for outcome in counts), counts


async def test_a_case_filed_as_a_repeat_complaint_reaches_its_team_with_the_count(
    estate: Estate,
) -> None:
    svc = services(estate.app)
    chan = estate.resident("chan")
    refs: list[str] = []
    first_id: int | None = None
    for _ in range(2):
        # The second: the resident said it is about the first (a repeat by the seed's rule).
        command = replace(leak_reported_by(chan), repeat_of=first_id)
        filed = await svc.desk.file(command)
        first_id = first_id or filed.case.id
        refs.append(filed.case.ref)
        svc.wake_courier()
        await estate.settle()

    shown = [
        m.text
        for chat in estate.groups.values()
        for m in chat.bot_messages()
        if m.text.startswith("🔁") and refs[1] in m.text and "次投訴" in m.text
    ]
    assert shown, "the repeat complaint's line reached the team"
    assert estate.world.not_modified == 0, "no card edited to what it already showed"
    async with svc.store.reading() as tx:
        counts = await tx.outbox_counts()
    assert counts.get("pending", 0) == 0, counts


async def test_a_confirmation_sent_by_the_confirm_handler_is_never_sent_again_by_the_courier(
    estate: Estate,
) -> None:
    """The courier's round read the outbox just before the Confirm handler's fast
    path delivered and finished the resident's notice: the round must not send
    it again (claimed before sending, remembered once finished)."""
    svc = services(estate.app)
    courier = svc.courier
    assert courier is not None
    chan = estate.resident("chan")
    estate.world.started.add(chan.id)
    filed = await svc.desk.file(leak_reported_by(chan))
    async with svc.store.reading() as tx:  # the round's read, before the fast path
        seen = await tx.pending_notifications(datetime.now(UTC), 200)
    await courier.deliver_now(filed.case.id, chan.id)  # the Confirm handler's send
    mine = [i for i in seen if i.notification.user_id == chan.id]
    await courier._deliver_case(filed.case.id, courier._claim(mine))  # the round goes on
    await estate.settle()

    told = [m for m in chan.private.bot_messages() if filed.case.ref in m.text]
    assert len(told) == 1, [m.text for m in told]


STORM = 24  # cases escalating at the same moment: two digests' worth in each group


@pytest.mark.timeout(240)
async def test_an_escalation_storm_under_strict_limits_shows_every_case_in_live_digests(
    tmp_path: Path,
) -> None:
    async with running_estate(
        tmp_path, group_messages_per_minute=20, chat_messages_per_second=1
    ) as estate:
        svc = services(estate.app)
        assert svc.courier is not None
        limits = svc.courier.limits
        limits.busy_at, limits.full_at, limits.edits_at = BUSY, SENDS_AT_MOST, HARD
        residents = await _residents(estate, STORM, 70_000)
        world = estate.world
        world.strict_limits()
        refs = []
        await svc.courier.stop()  # filed a while ago: their cards went out then
        for resident in residents:
            filed = await svc.desk.file(
                cmd.FileCase(
                    actor=Actor(resident.id, frozenset({Role.RESIDENT})),
                    category=Category.CLEANING,
                    description="Rubbish on the stairs",
                    location=Location("A", area="stairs"),
                )
            )
            refs.append(filed.case.ref)
        async with svc.store.transaction() as tx:
            for row in await tx._all("SELECT id FROM outbox WHERE done_at IS NULL"):
                await tx.finish_notification(int(row[0]), datetime.now(UTC), "sent")
        svc.courier.start()

        estate.clock.advance(timedelta(minutes=31))  # nobody acknowledged: all climb at once
        await run_timers(estate.app)
        await estate.settle(timeout=120)  # each group's minute slides: digests' edits wait

        for role in (Role.CLEANING_SUPERVISOR, Role.CLEANING_LEAD, Role.FRONT_DESK):
            shown = "\n".join(m.text for m in estate.groups[role].bot_messages())
            missing = [ref for ref in refs if ref not in shown]
            assert not missing, f"{role} does not show {missing}:\n{shown}"
            assert "正在整理" not in shown, "no empty placeholder"
        for role in (Role.CLEANING_LEAD, Role.FRONT_DESK):
            feeds = [m.text for m in estate.groups[role].bot_messages() if "動態（" in m.text]
            assert feeds, f"{role}: no feed digest"
            for feed in feeds:  # a case whose card waited joins late: still in its place
                listed = REF.findall(feed)
                assert listed == sorted(listed), f"{role}: out of order:\n{feed}"
        supervisor = "\n".join(
            m.text for m in estate.groups[Role.CLEANING_SUPERVISOR].bot_messages()
        )
        assert "已上報給你" in supervisor
        assert world.flood.refusals == [], f"429s: {world.flood.refusals[:5]}"
        assert world.not_modified == 0, f"{world.not_modified} unchanged edits sent"
