"""`python -m bot doctor`: is this installation ready to serve an estate?

It checks what an office would otherwise find out from a silent group: the
token (getMe), privacy mode, the CJK font, the database, every bound group
(reachable, the bot still in it and allowed to post), and that every rung a
case can reach has a bound group or a holder. It reads the database without
writing to it, so it is safe while the bot runs. One line per check; the exit
status is 1 when any check failed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot
from telegram.error import TelegramError

from bot.migrations import MIGRATIONS
from bot.settings import Settings
from views.reports import cjk_font
from workflow.estate import EstateConfig
from workflow.reach import rungs_in_use, unreachable
from workflow.roles import Role


@dataclass(frozen=True, slots=True)
class Finding:
    ok: bool
    what: str
    # Not a fault: no database yet, which the first start creates.
    not_yet: bool = False

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.what}"


@dataclass(frozen=True, slots=True)
class _Stored:
    version: int
    groups: dict[Role, tuple[int, str]]
    held: set[Role]


def _read(path: Path) -> _Stored:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        (version,) = db.execute(
            "SELECT coalesce(max(version), 0) FROM schema_migrations"
        ).fetchone()
        groups = {
            Role(role): (int(chat_id), str(title or ""))
            for role, chat_id, title in db.execute("SELECT role, chat_id, title FROM role_groups")
            if role in Role.__members__.values()
        }
        held: set[Role] = set()
        for (roles,) in db.execute("SELECT roles FROM people WHERE roles != '[]'"):
            held.update(Role(r) for r in json.loads(roles) if r in Role.__members__.values())
    return _Stored(int(version), groups, held)


async def read_postgres(url: str, schema: str | None = None) -> tuple[_Stored, int]:
    """What the doctor and /health read, from a PostgreSQL database (never
    migrated or created here; an estate of a company: from its `schema`), with
    the database's size in bytes."""
    import asyncpg

    settings = {"search_path": schema} if schema else None
    db = await asyncpg.connect(url, timeout=10, server_settings=settings)
    try:
        version = await db.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
        groups = {
            Role(role): (int(chat_id), str(title or ""))
            for role, chat_id, title in await db.fetch(
                "SELECT role, chat_id, title FROM role_groups"
            )
            if role in Role.__members__.values()
        }
        held: set[Role] = set()
        for (roles,) in await db.fetch("SELECT roles FROM people WHERE roles != '[]'"):
            held.update(Role(r) for r in json.loads(roles) if r in Role.__members__.values())
        size = await db.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await db.close()
    return _Stored(int(version), groups, held), int(size)


async def _database_postgres(
    url: str, schema: str | None = None
) -> tuple[list[Finding], _Stored | None]:
    import asyncpg

    from bot.storage.postgres import safe_url

    where = safe_url(url) + (f" (schema {schema})" if schema else "")
    try:
        stored, size = await read_postgres(url, schema)
    except asyncpg.UndefinedTableError:
        return [
            Finding(
                False,
                f"database {where}: no tables yet (the first start makes them)",
                not_yet=True,
            )
        ], None
    except (asyncpg.PostgresError, OSError, TimeoutError) as error:
        return [Finding(False, f"database {where}: {error or 'timed out'}")], None
    return [_verdict(where, stored, size)], stored


def _verdict(where: object, stored: _Stored, size: int) -> Finding:
    latest = MIGRATIONS[-1][0]
    if stored.version > latest:
        return Finding(
            False,
            f"database {where}: version {stored.version}, this release knows up to {latest}",
        )
    return Finding(True, f"database {where}: version {stored.version}, {size:,} bytes")


async def _database(
    settings: Settings, schema: str | None = None
) -> tuple[list[Finding], _Stored | None]:
    if settings.postgres_url is not None:
        return await _database_postgres(settings.postgres_url, schema)
    return _database_sqlite(settings.sqlite_path or settings.database_path)


def _database_sqlite(path: Path) -> tuple[list[Finding], _Stored | None]:
    if not path.is_file():
        return [
            Finding(
                False, f"database {path}: not there yet (the first start creates it)", not_yet=True
            )
        ], None
    try:
        stored = _read(path)
    except sqlite3.Error as error:
        return [Finding(False, f"database {path}: {error}")], None
    return [_verdict(path, stored, path.stat().st_size)], stored


async def _telegram(settings: Settings, stored: _Stored | None) -> list[Finding]:
    if settings.bot_token is None:
        return [Finding(False, "BOT_TOKEN is not set (.env or the environment)")]
    bot = Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        base_file_url=settings.bot_file_url,
    )
    findings: list[Finding] = []
    try:
        async with bot:
            me = bot.bot
            findings.append(Finding(True, f"token: the bot is @{me.username} (id {me.id})"))
            findings.append(
                Finding(
                    True,
                    "privacy mode is off: the bot reads every group message"
                    if me.can_read_all_group_messages
                    else "privacy mode is on: in groups the bot sees commands and replies to it",
                )
            )
            for role, (chat_id, title) in sorted((stored.groups if stored else {}).items()):
                findings.append(await _group(bot, me.id, role, chat_id, title))
    except TelegramError as error:
        findings.append(Finding(False, f"Telegram at {settings.bot_api_url}: {error.message}"))
    except OSError as error:
        findings.append(Finding(False, f"Telegram at {settings.bot_api_url}: {error}"))
    return findings


async def _group(bot: Bot, bot_id: int, role: Role, chat_id: int, title: str) -> Finding:
    where = f"{role} group {title or chat_id} ({chat_id})"
    try:
        member = await bot.get_chat_member(chat_id, bot_id)
    except TelegramError as error:
        return Finding(False, f"{where}: {error.message}")
    if member.status in ("left", "kicked"):
        return Finding(False, f"{where}: the bot is no longer in the group ({member.status})")
    if getattr(member, "can_send_messages", True) is False:
        return Finding(False, f"{where}: the bot may not post there")
    return Finding(True, f"{where}: reachable, the bot is {member.status}")


def _rungs(estate: EstateConfig, stored: _Stored | None) -> list[Finding]:
    if stored is None:
        return []
    gaps = unreachable(rungs_in_use(estate.routing_table()), stored.groups, stored.held)
    if not gaps:
        return [Finding(True, "every rung has a bound group or a holder")]
    return [
        Finding(False, f"rung {role}: no bound group and nobody holds the role (/bind or /invite)")
        for role in gaps
    ]


def rung_gaps(
    settings: Settings, estate: EstateConfig, schema: str | None = None
) -> list[str] | None:
    """For `python -m bot check`: each rung nobody can see, as a line; None when
    there is no database yet to know the groups and holders from. A database
    that cannot be read (a server that does not answer, a damaged file) is a
    line of its own, not "no database yet"."""
    import asyncio

    findings, stored = asyncio.run(_database(settings, schema))
    if stored is None:
        return [f.what for f in findings if not f.ok and not f.not_yet] or None
    return [f.what for f in _rungs(estate, stored) if not f.ok]


def _font(font: Callable[[], str | None]) -> Finding:
    path = font()
    if path is None:
        return Finding(False, "no CJK font: charts would show boxes (install fonts-wqy-microhei)")
    return Finding(True, f"CJK font: {path}")


async def diagnose(
    settings: Settings,
    estate: EstateConfig,
    font: Callable[[], str | None] = cjk_font,
    schema: str | None = None,
) -> list[Finding]:
    database, stored = await _database(settings, schema)
    return [
        *await _telegram(settings, stored),
        _font(font),
        *database,
        *_rungs(estate, stored),
    ]
