"""`python -m bot` refuses a database it cannot use, in one line naming the
file and why: written by a newer release, read-only, or in a folder that
cannot be made. It stops before calling Telegram."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.migrations import LATEST
from bot.storage import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


def run(database: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "123456:FAKE",
        "BOT_API_URL": "http://127.0.0.1:9/bot",  # nothing listens: Telegram is never reached
        "DATABASE_PATH": str(database),
        "ESTATE_CONFIG": str(ROOT / "estate.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def made(path: Path) -> Path:
    async with SqliteStore(path):
        pass
    return path


async def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    db = await made(tmp_path / "desk.sqlite3")
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO schema_migrations VALUES (?, '2027-01-01')", (LATEST + 1,))

    for args in ((), ("export",)):
        result = run(db, *args, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.splitlines()
        assert f"database is version {LATEST + 1}, this release knows up to {LATEST}" in line
        assert str(db) in line
    with sqlite3.connect(db) as raw:
        (version,) = raw.execute("SELECT max(version) FROM schema_migrations").fetchone()
    assert version == LATEST + 1, "left as it was"


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A database nobody may write to: the mode, or for root (who ignores the
    mode) the file marked immutable."""
    db = tmp_path / "desk.sqlite3"
    asyncio.run(made(db))
    if os.geteuid() == 0:
        marked = subprocess.run(["chattr", "+i", str(db)], capture_output=True, check=False)
        if marked.returncode != 0:
            pytest.skip(f"cannot make a file read-only for root here: {marked.stderr!r}")
        try:
            yield db
        finally:
            subprocess.run(["chattr", "-i", str(db)], check=False)
    else:
        db.chmod(0o444)
        yield db


def test_a_read_only_database_is_refused_naming_the_file(read_only: Path, tmp_path: Path) -> None:
    result = run(read_only, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert str(read_only) in line
    assert "read-only" in line
    assert "unable to open database file" not in line


async def test_a_database_whose_folder_cannot_be_made_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the folder should be")
    db = not_a_folder / "desk.sqlite3"

    result = run(db, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert str(db) in line
    assert f"{not_a_folder} is a file, not a folder" in line
