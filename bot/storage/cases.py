"""Cases, their deadlines (an index the sweep reads by time) and the event log."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from pydantic import TypeAdapter
from pydantic_core import to_json

from bot.storage.rows import Row, Rows, parse_utc, utc_text
from workflow.model import Case, Category, Event, EventKind, Location

_CASE = TypeAdapter(Case)


class CaseTables(Rows):
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
            "ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last",
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
        # `building = ?` (or IS NULL), not `IS ?`: PostgreSQL has no `IS ?`, and
        # its `IS NOT DISTINCT FROM` would not use the index.
        where, params = [], []
        for column, value in (("building", unit.building), ("unit", unit.unit)):
            if value is None:
                where.append(f"{column} IS NULL")
            else:
                where.append(f"{column} = ?")
                params.append(value)
        rows = await self._all(
            f"SELECT body FROM cases WHERE {' AND '.join(where)} AND category = ? "
            "ORDER BY id DESC LIMIT 50",
            (*params, str(category)),
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

    async def cases_created_between(self, start: datetime, end: datetime) -> list[Case]:
        rows = await self._all(
            "SELECT body FROM cases WHERE created_at >= ? AND created_at < ? ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [_CASE.validate_json(row[0]) for row in rows]


def _event(row: Row) -> Event:
    return Event(
        case_id=row["case_id"],
        kind=EventKind(row["kind"]),
        at=parse_utc(row["at"]),
        actor_id=row["actor_id"],
        reason=row["reason"],
        data=json.loads(row["data"]),
    )
