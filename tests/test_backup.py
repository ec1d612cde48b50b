"""Backups: a whole, checked copy of the database, taken while the bot writes."""

from __future__ import annotations

import asyncio
import sqlite3
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
