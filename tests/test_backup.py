"""Backups: a whole, checked copy of the database, taken while the bot writes."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.backup import BackupError, prune, take_backup
from bot.storage import SqliteStore
from tests.conftest import START
from tests.test_storage import LATEST, driver
from workflow.clock import FakeClock
from workflow.model import Category


async def test_a_backup_taken_while_cases_are_filed_opens_with_every_case_it_saw(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.sqlite3"
    async with SqliteStore(path) as store:
        desk = driver(store, FakeClock(START))
        for _ in range(20):
            await desk.file(Category.REPAIR)

        async def file_more() -> None:
            for _ in range(20):
                await desk.file(Category.CLEANING)

        writer = asyncio.create_task(file_more())
        backup = await asyncio.to_thread(take_backup, path, tmp_path, START)
        await writer

    assert backup.path.parent == tmp_path
    assert backup.path.name == "estate-desk-20261102-010000.sqlite3"
    assert backup.schema_version == LATEST
    copy = sqlite3.connect(backup.path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (count,) = copy.execute("SELECT count(*) FROM cases").fetchone()
    assert 20 <= count <= 40
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob("*.partial")))


def test_a_backup_of_a_missing_database_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no database there"):
        take_backup(tmp_path / "absent.sqlite3", tmp_path / "copy.sqlite3", START)
    assert not (tmp_path / "absent.sqlite3").exists()
    assert not (tmp_path / "copy.sqlite3").exists()


async def test_a_backup_into_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    async with SqliteStore(path):
        pass
    with pytest.raises(BackupError, match="no such folder"):
        take_backup(path, tmp_path / "nowhere" / "copy.sqlite3", START)


def test_pruning_keeps_the_newest_backups(tmp_path: Path) -> None:
    names = [f"estate-desk-202611{day:02d}-030000.sqlite3" for day in range(1, 11)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("kept")

    deleted = prune(tmp_path, keep=7)

    assert [p.name for p in deleted] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[3:], "notes.txt"])


def copies(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.before-*"))


def old_database(path: Path, version: int, *, with_a_case: bool) -> Path:
    """A database as an older release left it: the migrations up to `version`."""
    from bot.migrations import MIGRATIONS

    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        for number, sql in MIGRATIONS:
            if number <= version:
                db.executescript(sql)
                db.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (number,))
        if with_a_case:
            db.execute(
                "INSERT INTO cases (ref, category, status, created_at, body) "
                "VALUES ('R-1', 'repair', 'open', '2026-01-01', '{}')"
            )
        db.commit()
    return path


async def test_start_up_copies_a_database_with_data_before_upgrading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.__main__ import _prepare_store
    from bot.settings import Settings

    db = old_database(tmp_path / "desk.sqlite3", 1, with_a_case=True)
    monkeypatch.chdir(tmp_path)
    await _prepare_store(Settings(database_path=db))

    copy = tmp_path / f"desk.sqlite3.before-v{LATEST}.sqlite3"
    with closing(sqlite3.connect(copy)) as kept:
        assert kept.execute("SELECT max(version) FROM schema_migrations").fetchone() == (1,)
        assert kept.execute("SELECT ref FROM cases").fetchall() == [("R-1",)]
    with closing(sqlite3.connect(db)) as upgraded:
        assert upgraded.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
            LATEST,
        )

    await _prepare_store(Settings(database_path=db))  # up to date: no second copy
    assert copies(tmp_path) == [copy.name]


def test_no_copy_is_made_of_an_empty_or_new_database(tmp_path: Path) -> None:
    from bot.backup import before_migrations

    assert before_migrations(tmp_path / "none.sqlite3", LATEST, START) is None
    empty = old_database(tmp_path / "empty.sqlite3", 1, with_a_case=False)
    assert before_migrations(empty, LATEST, START) is None
    assert copies(tmp_path) == []


async def test_the_daily_backup_is_taken_once_a_day_after_its_hour_even_across_restarts(
    tmp_path: Path,
) -> None:
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from bot.daily_backup import DailyBackup

    path = tmp_path / "desk.sqlite3"
    async with SqliteStore(path):
        pass
    folder = tmp_path / "backups"
    zone = ZoneInfo("Asia/Hong_Kong")
    # 02:00 in Hong Kong, the backup hour 03:30.
    clock = FakeClock(datetime(2026, 11, 1, 18, 0, tzinfo=UTC))

    def daily() -> DailyBackup:
        return DailyBackup(path, folder, 2, time(3, 30), zone, clock)

    bot = daily()
    assert await bot.run_once() is None, "not before its hour"
    clock.advance(timedelta(hours=2))
    first = await bot.run_once()
    assert first is not None
    assert first.path.name == "estate-desk-20261102-040000.sqlite3", "named by the local time"
    assert await bot.run_once() is None, "once a day"
    clock.advance(timedelta(hours=5))
    assert await daily().run_once() is None, "a restarted bot does not take a second one"
    for _ in range(3):
        clock.advance(timedelta(days=1))
        assert await daily().run_once() is not None
    assert [p.name for p in sorted(folder.glob("*.sqlite3"))] == [
        "estate-desk-20261104-090000.sqlite3",
        "estate-desk-20261105-090000.sqlite3",
    ], "the newest BACKUP_KEEP are kept"
