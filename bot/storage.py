"""The one place that speaks SQL.

A single aiosqlite connection in WAL mode. Every unit of work holds an
asyncio lock from BEGIN IMMEDIATE to COMMIT, so two handlers running at once
can never commit each other's half-done work; SQLite takes one writer at a
time anyway, and a command's transaction is a few milliseconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import TypeAdapter
from pydantic_core import to_json

from bot.migrations import MIGRATIONS
from delivery.records import Card, Digest, Notice, NoticeItem, OutboxItem
from workflow.directory import Invite, Person, RoleGroup
from workflow.model import Case, Category, Event, EventKind, Location
from workflow.notifications import Notification
from workflow.roles import Role
from workflow.roster import DutyRow, Scan

_CASE = TypeAdapter(Case)
DUE_NOW = "0001-01-01T00:00:00.000000Z"  # a new notification is due at once
_NOTIFICATION = TypeAdapter(Notification)


Write = Callable[["SqliteTransaction"], Awaitable[None]]


def utc_text(when: datetime) -> str:
    """Fixed-width UTC text, so SQL can compare times as strings."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._batch: list[tuple[Write, asyncio.Future[None]]] = []
        self._batch_lock = asyncio.Lock()

    async def open(self) -> SqliteStore:
        if self._db is not None:
            return self
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        self._db.row_factory = aiosqlite.Row
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "busy_timeout = 10000",
        ):
            await self._db.execute(f"PRAGMA {pragma}")
        await self._migrate()
        if self.path != ":memory:":
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            self._reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
            self._reader.row_factory = aiosqlite.Row
            await self._reader.execute("PRAGMA busy_timeout = 10000")
        return self

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._db is not None:
            async with self._lock:
                await self._db.close()
            self._db = None

    async def __aenter__(self) -> SqliteStore:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the store is not open")
        return self._db

    async def _migrate(self) -> None:
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        async with self.db.execute("SELECT version FROM schema_migrations") as cur:
            applied = {row[0] for row in await cur.fetchall()}
        for version, sql in MIGRATIONS:
            if version in applied:
                continue
            stamp = utc_text(datetime.now(UTC))
            await self.db.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n"
                f"INSERT INTO schema_migrations VALUES ({int(version)}, '{stamp}');\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        async with self.db.execute("SELECT max(version) FROM schema_migrations") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        if self._owner is not None and self._owner is asyncio.current_task():
            raise RuntimeError("a transaction cannot be opened inside another one")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield SqliteTransaction(self.db)
                except BaseException:
                    await self.db.execute("ROLLBACK")
                    raise
                await self.db.execute("COMMIT")
            finally:
                self._owner = None

    async def write_soon(self, write: Write) -> None:
        """A small write that needs no answer (a delivery's outcome, a
        conversation's state), committed together with whatever other such
        writes are queued: one transaction instead of one each, so a burst's
        hundreds of them stop queueing for the write lock. Returns once this
        write is committed; raises if its batch failed."""
        done = asyncio.get_running_loop().create_future()
        self._batch.append((write, done))
        async with self._batch_lock:
            if not done.done():
                batch, self._batch = self._batch, []
                # Shielded: a cancelled caller must not cut the batch off half-way.
                await asyncio.shield(self._write_batch(batch))
        await done

    async def _write_batch(self, batch: list[tuple[Write, asyncio.Future[None]]]) -> None:
        try:
            async with self.transaction() as tx:
                for write, _ in batch:
                    await write(tx)
        except Exception as error:
            for _, done in batch:
                done.set_exception(error)
        else:
            for _, done in batch:
                done.set_result(None)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteTransaction]:
        """Look-ups that need no write: on a read-only connection of their own,
        so they never queue behind a transaction (WAL lets readers run beside
        the writer) and always see what was last committed. Not for reading
        back what the caller's own open transaction wrote."""
        if self._reader is None:
            async with self.transaction() as tx:
                yield tx
            return
        yield SqliteTransaction(self._reader)


class SqliteTransaction:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # --- cases -------------------------------------------------------------

    async def get(self, case_id: int) -> Case | None:
        row = await self._one("SELECT body FROM cases WHERE id = ?", (case_id,))
        return _CASE.validate_json(row[0]) if row else None

    async def get_by_ref(self, ref: str) -> Case | None:
        row = await self._one("SELECT body FROM cases WHERE ref = ?", (ref.upper(),))
        return _CASE.validate_json(row[0]) if row else None

    async def new_case_id(self) -> int:
        row = await self._one("SELECT coalesce(max(id), 0) + 1 FROM cases")
        assert row is not None
        return int(row[0])

    async def next_reference(self, prefix: str, year: int) -> str:
        row = await self._one(
            "INSERT INTO ref_counters (prefix, year, last) VALUES (?, ?, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last",
            (prefix, year),
        )
        assert row is not None
        return f"{prefix}{year}-{int(row[0]):05d}"

    async def add(self, case: Case) -> None:
        home = case.reporter_unit or Location()
        await self.db.execute(
            "INSERT INTO cases (id, ref, category, status, reporter_id, building, unit, "
            "created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case.id,
                case.ref,
                case.category,
                case.status,
                case.reporter_id,
                home.building,
                home.unit,
                utc_text(case.created_at),
                _CASE.dump_json(case).decode(),
            ),
        )
        await self._index_deadlines(case)

    async def save(self, case: Case) -> None:
        await self.db.execute(
            "UPDATE cases SET category = ?, status = ?, body = ? WHERE id = ?",
            (case.category, case.status, _CASE.dump_json(case).decode(), case.id),
        )
        await self._index_deadlines(case)

    async def _index_deadlines(self, case: Case) -> None:
        await self.db.execute("DELETE FROM deadlines WHERE case_id = ?", (case.id,))
        await self.db.executemany(
            "INSERT INTO deadlines (case_id, kind, next_at) VALUES (?, ?, ?)",
            [(case.id, str(dl.kind), utc_text(dl.next_at())) for dl in case.deadlines.values()],
        )

    async def cases_from_unit(self, unit: Location, category: Category) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE building IS ? AND unit IS ? AND category = ? "
            "ORDER BY id DESC LIMIT 50",
            (unit.building, unit.unit, category),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    async def cases_of_reporter(self, user_id: int, limit: int = 20) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE reporter_id = ? ORDER BY id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    async def open_cases(self, limit: int = 500) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE status IN ('new', 'acknowledged', 'on_site', "
            "'reopened') ORDER BY id LIMIT ?",
            (limit,),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    async def due_case_ids(self, now: datetime, limit: int) -> list[int]:
        rows = await self._all(
            "SELECT case_id FROM deadlines WHERE next_at <= ? "
            "GROUP BY case_id ORDER BY min(next_at) LIMIT ?",
            (utc_text(now), limit),
        )
        return [int(row[0]) for row in rows]

    # --- the event log -------------------------------------------------------

    async def append(self, events: Sequence[Event]) -> None:
        await self.db.executemany(
            "INSERT INTO events (case_id, kind, at, actor_id, reason, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    e.case_id,
                    str(e.kind),
                    utc_text(e.at),
                    e.actor_id,
                    None if e.reason is None else str(e.reason),
                    to_json(e.data).decode(),
                )
                for e in events
            ],
        )

    async def events_of_case(self, case_id: int) -> list[Event]:
        rows = await self._all("SELECT * FROM events WHERE case_id = ? ORDER BY id", (case_id,))
        return [_event(row) for row in rows]

    async def events_of_cases_filed(self, start: datetime, end: datetime) -> list[Event]:
        """Every event of the cases filed in [start, end): the cohort the
        office's figures are computed over."""
        rows = await self._all(
            "SELECT * FROM events WHERE case_id IN (SELECT case_id FROM events "
            "WHERE kind = 'filed' AND at >= ? AND at < ?) ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [_event(row) for row in rows]

    # --- the outbox -------------------------------------------------------------

    async def enqueue(self, notifications: Sequence[Notification], now: datetime) -> None:
        stamp = utc_text(now)
        await self.db.executemany(
            "INSERT INTO outbox (case_id, body, created_at, next_try_at) VALUES (?, ?, ?, ?)",
            [
                (n.case_id, _NOTIFICATION.dump_json(n).decode(), stamp, DUE_NOW)
                for n in notifications
            ],
        )

    async def enqueue_notices(self, notices: Sequence[Notice], now: datetime) -> None:
        """Notices that belong to no case, delivered once this transaction commits."""
        stamp = utc_text(now)
        await self.db.executemany(
            "INSERT INTO outbox (case_id, body, created_at, next_try_at) VALUES (NULL, ?, ?, ?)",
            [(n.model_dump_json(), stamp, DUE_NOW) for n in notices],
        )

    async def pending_notices(self, now: datetime, limit: int) -> list[NoticeItem]:
        rows = await self._all(
            "SELECT id, attempts, body FROM outbox WHERE case_id IS NULL AND done_at IS NULL "
            "AND next_try_at <= ? ORDER BY id LIMIT ?",
            (utc_text(now), limit),
        )
        return [
            NoticeItem(id=row[0], attempts=row[1], notice=Notice.model_validate_json(row[2]))
            for row in rows
        ]

    async def pending_notifications(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._all(
            # Notices to a person first (a resident waiting on their case), then the
            # groups': in a storm a group's messages wait for its minute, and must not
            # stand in front of everyone else's.
            "SELECT id, attempts, body FROM outbox WHERE done_at IS NULL AND next_try_at <= ? "
            "AND case_id IS NOT NULL ORDER BY json_extract(body, '$.user_id') IS NULL, id LIMIT ?",
            (utc_text(now), limit),
        )
        return [_outbox_item(row) for row in rows]

    async def pending_for_case(self, case_id: int, now: datetime) -> list[OutboxItem]:
        rows = await self._all(
            "SELECT id, attempts, body FROM outbox WHERE case_id = ? AND done_at IS NULL "
            "AND next_try_at <= ? ORDER BY id",
            (case_id, utc_text(now)),
        )
        return [_outbox_item(row) for row in rows]

    async def finish_notification(self, item_id: int, now: datetime, outcome: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET done_at = ?, outcome = ? WHERE id = ?",
            (utc_text(now), outcome, item_id),
        )

    async def retry_notification(self, item_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_try_at = ? WHERE id = ?",
            (utc_text(at), item_id),
        )

    async def defer_notification(self, item_id: int, at: datetime) -> None:
        """Later, without counting it as a failed try (a group's send budget is spent)."""
        await self.db.execute(
            "UPDATE outbox SET next_try_at = ? WHERE id = ?", (utc_text(at), item_id)
        )

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._all(
            "SELECT coalesce(outcome, 'pending'), count(*) FROM outbox GROUP BY 1"
        )
        return {row[0]: int(row[1]) for row in rows}

    # --- people and groups ----------------------------------------------------------

    async def person(self, user_id: int) -> Person | None:
        row = await self._one("SELECT * FROM people WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        data = dict(row)
        data["roles"] = json.loads(data["roles"])
        data.pop("created_at")
        return Person.model_validate(data)

    async def save_person(self, person: Person, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO people (user_id, name, language, phone, building, unit, "
            "resident_status, roles, reachable, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, "
            "language = excluded.language, phone = excluded.phone, "
            "building = excluded.building, unit = excluded.unit, "
            "resident_status = excluded.resident_status, roles = excluded.roles, "
            "reachable = excluded.reachable",
            (
                person.user_id,
                person.name,
                person.language,
                person.phone,
                person.building,
                person.unit,
                person.resident_status,
                json.dumps([str(r) for r in person.roles]),
                int(person.reachable),
                utc_text(now),
            ),
        )

    async def people_with_role(self, role: Role) -> list[Person]:
        rows = await self._all(
            "SELECT user_id FROM people, json_each(people.roles) WHERE json_each.value = ?",
            (str(role),),
        )
        found = [await self.person(int(row[0])) for row in rows]
        return [p for p in found if p is not None]

    async def staff(self) -> list[Person]:
        rows = await self._all("SELECT user_id FROM people WHERE roles != '[]' ORDER BY user_id")
        found = [await self.person(int(row[0])) for row in rows]
        return [p for p in found if p is not None]

    async def role_group(self, role: Role) -> RoleGroup | None:
        row = await self._one("SELECT * FROM role_groups WHERE role = ?", (str(role),))
        return RoleGroup.model_validate(dict(row)) if row else None

    async def roles_of_chat(self, chat_id: int) -> list[Role]:
        rows = await self._all("SELECT role FROM role_groups WHERE chat_id = ?", (chat_id,))
        return [Role(row[0]) for row in rows]

    async def role_groups(self) -> list[RoleGroup]:
        rows = await self._all("SELECT * FROM role_groups ORDER BY role")
        return [RoleGroup.model_validate(dict(row)) for row in rows]

    async def bind_group(self, group: RoleGroup) -> None:
        await self.db.execute(
            "INSERT INTO role_groups (role, chat_id, title, language, is_forum) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (role) DO UPDATE SET chat_id = excluded.chat_id, "
            "title = excluded.title, language = excluded.language, is_forum = excluded.is_forum",
            (str(group.role), group.chat_id, group.title, group.language, int(group.is_forum)),
        )

    async def unbind_group(self, chat_id: int) -> list[Role]:
        roles = await self.roles_of_chat(chat_id)
        await self.db.execute("DELETE FROM role_groups WHERE chat_id = ?", (chat_id,))
        return roles

    # --- cards ------------------------------------------------------------------------

    async def cards(self, case_id: int) -> list[Card]:
        rows = await self._all("SELECT * FROM cards WHERE case_id = ?", (case_id,))
        return [Card.model_validate(dict(row)) for row in rows]

    async def save_card(self, card: Card) -> None:
        await self.db.execute(
            "INSERT INTO cards (case_id, chat_id, message_id, thread_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (case_id, chat_id) DO UPDATE SET message_id = excluded.message_id, "
            "thread_id = excluded.thread_id",
            (card.case_id, card.chat_id, card.message_id, card.thread_id),
        )

    # --- duty -------------------------------------------------------------------------

    async def set_duty(self, user_id: int, on_duty: bool, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO duty (user_id, on_duty, since) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET on_duty = excluded.on_duty, "
            "since = excluded.since",
            (user_id, int(on_duty), utc_text(now)),
        )

    async def duty_rows(self) -> list[DutyRow]:
        rows = await self._all("SELECT user_id, on_duty, since FROM duty")
        return [DutyRow(int(r[0]), bool(r[1]), parse_utc(r[2])) for r in rows]

    async def add_scan(self, checkpoint: str, user_id: int, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO scans (checkpoint, user_id, at) VALUES (?, ?, ?)",
            (checkpoint, user_id, utc_text(at)),
        )

    async def scans_since(self, since: datetime) -> list[Scan]:
        rows = await self._all(
            "SELECT checkpoint, user_id, at FROM scans WHERE at >= ? ORDER BY at",
            (utc_text(since),),
        )
        return [Scan(r[0], int(r[1]), parse_utc(r[2])) for r in rows]

    async def add_note(self, user_id: int, text: str, at: datetime) -> None:
        await self.db.execute(
            "INSERT INTO shift_notes (user_id, text, at) VALUES (?, ?, ?)",
            (user_id, text, utc_text(at)),
        )

    async def notes_between(
        self, start: datetime, end: datetime
    ) -> list[tuple[int, str, datetime]]:
        rows = await self._all(
            "SELECT user_id, text, at FROM shift_notes WHERE at >= ? AND at < ? ORDER BY at",
            (utc_text(start), utc_text(end)),
        )
        return [(int(r[0]), r[1], parse_utc(r[2])) for r in rows]

    async def cases_created_between(self, start: datetime, end: datetime) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [_CASE.validate_json(row[0]) for row in rows]

    # --- digests ---------------------------------------------------------------------

    async def open_digest(self, chat_id: int, key: str, since: datetime) -> Digest | None:
        row = await self._one(
            "SELECT * FROM digests WHERE chat_id = ? AND key = ? AND created_at >= ? "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, key, utc_text(since)),
        )
        return _digest(row) if row else None

    async def digest(self, digest_id: int) -> Digest | None:
        row = await self._one("SELECT * FROM digests WHERE id = ?", (digest_id,))
        return _digest(row) if row else None

    async def digest_at(self, chat_id: int, message_id: int) -> Digest | None:
        row = await self._one(
            "SELECT * FROM digests WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        )
        return _digest(row) if row else None

    async def dirty_digests(self) -> list[Digest]:
        return [_digest(r) for r in await self._all("SELECT * FROM digests WHERE dirty = 1")]

    async def add_digest(self, chat_id: int, message_id: int, key: str, now: datetime) -> Digest:
        row = await self._one(
            "INSERT INTO digests (chat_id, message_id, key, created_at) VALUES (?, ?, ?, ?) "
            "RETURNING *",
            (chat_id, message_id, key, utc_text(now)),
        )
        assert row is not None
        return _digest(row)

    async def save_digest(self, digest: Digest) -> None:
        await self.db.execute(
            "UPDATE digests SET case_ids = ?, lines = ?, dirty = ? WHERE id = ?",
            (
                json.dumps(digest.case_ids),
                json.dumps(digest.lines, ensure_ascii=False),
                int(digest.dirty),
                digest.id,
            ),
        )

    # --- invites ------------------------------------------------------------------------

    async def add_invite(self, invite: Invite) -> None:
        await self.db.execute(
            "INSERT INTO invites (token, role, created_by, expires_at) VALUES (?, ?, ?, ?)",
            (invite.token, str(invite.role), invite.created_by, utc_text(invite.expires_at)),
        )

    async def invite(self, token: str) -> Invite | None:
        row = await self._one("SELECT * FROM invites WHERE token = ?", (token,))
        if row is None:
            return None
        data = dict(row)
        data["expires_at"] = parse_utc(data["expires_at"])
        return Invite.model_validate(data)

    async def use_invite(self, token: str, user_id: int) -> None:
        await self.db.execute("UPDATE invites SET used_by = ? WHERE token = ?", (user_id, token))

    # --- python-telegram-bot persistence ------------------------------------------------------

    async def state(self, kind: str) -> dict[str, Any]:
        rows = await self._all("SELECT key, value FROM ptb_state WHERE kind = ?", (kind,))
        return {row[0]: json.loads(row[1]) for row in rows}

    async def put_state(self, kind: str, key: str, value: Any) -> None:
        if value is None:
            await self.db.execute("DELETE FROM ptb_state WHERE kind = ? AND key = ?", (kind, key))
            return
        await self.db.execute(
            "INSERT INTO ptb_state (kind, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            (kind, key, to_json(value).decode()),
        )


def _outbox_item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(id=row[0], attempts=row[1], notification=_NOTIFICATION.validate_json(row[2]))


def _digest(row: aiosqlite.Row) -> Digest:
    data = dict(row)
    data["case_ids"] = json.loads(data["case_ids"])
    data["lines"] = json.loads(data["lines"])
    data["created_at"] = parse_utc(data["created_at"])
    return Digest.model_validate(data)


def _event(row: aiosqlite.Row) -> Event:
    return Event(
        case_id=row["case_id"],
        kind=EventKind(row["kind"]),
        at=parse_utc(row["at"]),
        actor_id=row["actor_id"],
        reason=row["reason"],
        data=json.loads(row["data"]),
    )
