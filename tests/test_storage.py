"""The store, on SQLite and (TEST_DATABASE_URL) PostgreSQL: migrations, one
transaction per command, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.migrations import MIGRATIONS
from bot.storage import SqliteStore, Store, store_at
from tests.conftest import START
from tests.helpers import NEIGHBOUR, REPAIR_LEAD, DeskDriver, hours, minutes, notices, staff
from workflow import commands as cmd
from workflow.clock import FakeClock
from workflow.directory import Person, RoleGroup
from workflow.model import Category, EventKind, Location
from workflow.notifications import NoticeKind
from workflow.policy import Policy
from workflow.roles import Role
from workflow.service import Desk

LATEST = MIGRATIONS[-1][0]
pytestmark = pytest.mark.engines


def driver(store: Store, clock: FakeClock) -> DeskDriver:
    # Storage tests file many cases from one resident at once: no filing limit here.
    return DeskDriver(Desk(store, Policy(filing_limit=0), clock), clock)


async def test_migrations_run_once_and_the_log_is_append_only(database: str | Path) -> None:
    async with store_at(database) as store:
        assert await store.schema_version() == LATEST
        await driver(store, FakeClock(START)).file(Category.REPAIR)
    async with store_at(database) as store:
        assert await store.schema_version() == LATEST
        for statement in ("UPDATE events SET kind = 'closed'", "DELETE FROM events"):
            with pytest.raises(Exception, match="append-only"):
                async with store.transaction() as tx:
                    await tx.db.execute(statement)
        async with store.reading() as tx:
            stored = await tx.db.fetchone("SELECT at FROM events")
    assert stored is not None
    assert stored[0] == "2026-11-02T01:00:00.000000Z"  # UTC, fixed width


async def test_sqlite_keeps_a_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    async with SqliteStore(path):
        pass
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_telegram_ids_beyond_32_bits_are_kept_whole(store: Store) -> None:
    """User ids above 2**32 and supergroup ids like -100… are ordinary on Telegram."""
    person = Person(user_id=7_123_456_789, name="Big Id", roles=[Role.REPAIR_LEAD])
    group = RoleGroup(role=Role.REPAIR_LEAD, chat_id=-1_001_234_567_890, title="Repairs")
    async with store.transaction() as tx:
        await tx.save_person(person, START)
        await tx.bind_group(group)
    async with store.reading() as tx:
        assert (await tx.person(person.user_id)) == person
        assert (await tx.role_group(Role.REPAIR_LEAD)) == group
        assert await tx.roles_of_chat(-1_001_234_567_890) == [Role.REPAIR_LEAD]
        assert [p.user_id for p in await tx.people_with_role(Role.REPAIR_LEAD)] == [person.user_id]


async def test_a_case_reads_back_exactly_as_it_was_saved(store: Store) -> None:
    desk = driver(store, FakeClock(START))
    filed = await desk.file(Category.REPAIR)
    acknowledged = await desk.do(cmd.Acknowledge(REPAIR_LEAD, filed.case.id))

    assert await desk.case(filed.case.id) == acknowledged.case
    assert (await desk.desk.get_by_ref(filed.case.ref.lower())).id == filed.case.id


async def test_a_restart_in_the_middle_of_an_escalation_loses_nothing(
    database: str | Path,
) -> None:
    path = database
    clock = FakeClock(START)
    async with store_at(path) as store:
        desk = driver(store, clock)
        filed = await desk.file(Category.REPAIR)
        warned = await desk.after(minutes(25))
        assert [n.kind for n in notices(warned)] == [NoticeKind.WARNING]

    clock.advance(hours(3))  # the bot is down while the deadline passes

    async with store_at(path) as store:
        desk = driver(store, clock)  # a fresh desk: nothing carried over but the file
        fired = await desk.desk.sweep()
        again = await desk.desk.sweep()
        events = await _events(store, filed.case.id)

    assert [n.role for n in notices(fired) if n.kind is NoticeKind.ESCALATED] == [
        Role.REPAIR_SUPERVISOR
    ]
    assert again == []
    assert [e.kind for e in events].count(EventKind.ESCALATED) == 1
    assert [e.kind for e in events].count(EventKind.WARNED) == 1


async def _events(store: Store, case_id: int) -> list:  # type: ignore[type-arg]
    async with store.transaction() as tx:
        return await tx.events_of_case(case_id)


async def test_concurrent_commands_each_commit_alone(store: Store) -> None:
    desk = driver(store, FakeClock(START))
    residents = [staff(5000 + i, Role.RESIDENT) for i in range(40)]

    victim = (await desk.file(Category.CLEANING, by=NEIGHBOUR)).case

    async def broken_command() -> None:
        async with store.transaction() as tx:
            case = await tx.get(victim.id)
            assert case is not None
            case.description = "half-written"
            await tx.save(case)
            await asyncio.sleep(0)  # let the others run in between
            raise RuntimeError("crash half-way")

    results = await asyncio.gather(
        *[
            desk.file(Category.REPAIR, by=r, home=Location("A", f"{i}A"))
            for i, r in enumerate(residents)
        ],
        broken_command(),
        return_exceptions=True,
    )

    filed = [r for r in results if r is not None and not isinstance(r, BaseException)]
    assert len(filed) == 40
    assert all(f.case.id != victim.id for f in filed)
    assert len({f.case.ref for f in filed}) == 40
    assert isinstance(results[-1], RuntimeError)
    async with store.transaction() as tx:
        saved = [await tx.get(i) for i in range(1, 43)]
    descriptions = {c.description for c in saved if c is not None}
    assert "half-written" not in descriptions


async def test_a_failed_command_leaves_the_case_and_log_untouched(
    store: Store,
) -> None:
    desk = driver(store, FakeClock(START))
    filed = await desk.file(Category.REPAIR)
    before = await _events(store, filed.case.id)

    with pytest.raises(Exception, match="not allowed"):
        await desk.do(cmd.Acknowledge(NEIGHBOUR, filed.case.id))

    assert await _events(store, filed.case.id) == before
    assert (await desk.case(filed.case.id)).acknowledged_by is None


async def test_reference_numbers_continue_after_a_restart(database: str | Path) -> None:
    path = database
    clock = FakeClock(START)
    async with store_at(path) as store:
        first = await driver(store, clock).file(Category.REPAIR)
    async with store_at(path) as store:
        second = await driver(store, clock).file(Category.REPAIR, by=NEIGHBOUR)

    assert (first.case.ref, second.case.ref) == ("R2026-00001", "R2026-00002")


async def test_a_transaction_opened_inside_another_is_refused_not_deadlocked(
    store: Store,
) -> None:
    async with store.transaction():
        with pytest.raises(RuntimeError, match="inside another"):
            async with store.transaction():
                pass


async def test_notifications_are_kept_with_the_change_they_announce(
    store: Store,
) -> None:
    desk = driver(store, FakeClock(START))
    filed = await desk.file(Category.REPAIR)

    async with store.transaction() as tx:
        pending = await tx.pending_notifications(START, limit=10)
        await tx.finish_notification(pending[0].id, START, "sent")
        left = await tx.pending_notifications(START, limit=10)

    assert sorted(p.notification.kind for p in pending) == sorted(
        n.kind for n in filed.notifications
    )
    to_groups = [p.notification.user_id is None for p in pending]
    assert to_groups == sorted(to_groups), "the resident's notice before the groups'"
    assert to_groups[0] is False
    assert pending[0].notification.ref == filed.case.ref
    assert len(left) == len(pending) - 1


async def test_a_refused_command_queues_no_notification(store: Store) -> None:
    desk = driver(store, FakeClock(START))
    filed = await desk.file(Category.REPAIR)
    with pytest.raises(Exception, match="not allowed"):
        await desk.do(cmd.Acknowledge(NEIGHBOUR, filed.case.id))

    async with store.transaction() as tx:
        assert await tx.outbox_counts() == {"pending": len(filed.notifications)}
