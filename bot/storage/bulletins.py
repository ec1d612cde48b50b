"""Notices to residents (bulletins) with each resident's copy, and known
incidents with the complaints linked to them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.storage.rows import Row, Rows, parse_utc, utc_text
from workflow.bulletins import Audience, Bulletin, BulletinStatus, Outcome, SendKind
from workflow.directory import Person
from workflow.incidents import Incident, Link
from workflow.model import Category

NOW_ANY = "0001-01-01T00:00:00.000000Z"


class BulletinTables(Rows):
    async def add_bulletin(self, bulletin: Bulletin) -> int:
        row = await self._one(
            "INSERT INTO bulletins (author_id, body, status, created_at, send_at, "
            "progress_chat, progress_message, progress_dirty) VALUES (?, ?, ?, ?, ?, ?, ?, 1) "
            "RETURNING id",
            (
                bulletin.author_id,
                _bulletin_body(bulletin),
                str(bulletin.status),
                utc_text(bulletin.created_at),
                utc_text(bulletin.send_at),
                bulletin.progress_chat,
                bulletin.progress_message,
            ),
        )
        assert row is not None
        return int(row[0])

    async def save_bulletin(self, bulletin: Bulletin) -> None:
        await self.db.execute(
            "UPDATE bulletins SET body = ?, status = ?, send_at = ?, progress_chat = ?, "
            "progress_message = ?, corrected_at = ?, withdrawn_at = ?, progress_dirty = 1 "
            "WHERE id = ?",
            (
                _bulletin_body(bulletin),
                str(bulletin.status),
                utc_text(bulletin.send_at),
                bulletin.progress_chat,
                bulletin.progress_message,
                utc_text(bulletin.corrected_at) if bulletin.corrected_at else None,
                utc_text(bulletin.withdrawn_at) if bulletin.withdrawn_at else None,
                bulletin.id,
            ),
        )

    async def bulletin(self, bulletin_id: int) -> Bulletin | None:
        row = await self._one("SELECT * FROM bulletins WHERE id = ?", (bulletin_id,))
        return _bulletin(row) if row else None

    async def recent_bulletins(self, limit: int) -> list[Bulletin]:
        rows = await self._all("SELECT * FROM bulletins ORDER BY id DESC LIMIT ?", (limit,))
        return [_bulletin(row) for row in rows]

    async def bulletins_received(self, user_id: int, limit: int) -> list[Bulletin]:
        """The bulletins this person was sent, newest first, withdrawn ones left out."""
        rows = await self._all(
            "SELECT b.* FROM bulletins b JOIN bulletin_sends s ON s.bulletin_id = b.id "
            "WHERE s.user_id = ? AND s.kind = 'bulletin' AND s.outcome = 'sent' "
            "AND b.status != 'withdrawn' ORDER BY b.send_at DESC, b.id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_bulletin(row) for row in rows]

    async def due_bulletins(self, now: datetime) -> list[Bulletin]:
        rows = await self._all(
            "SELECT * FROM bulletins WHERE status = 'scheduled' AND send_at <= ? ORDER BY id",
            (utc_text(now),),
        )
        return [_bulletin(row) for row in rows]

    async def residents(self) -> list[Person]:
        """Every approved resident (what an audience is chosen from)."""
        rows = await self._all(
            "SELECT user_id, name, language, building, unit, reachable FROM people "
            "WHERE resident_status = 'approved' ORDER BY user_id"
        )
        return [
            Person(
                user_id=r[0],
                name=r[1],
                language=r[2],
                building=r[3],
                unit=r[4],
                reachable=bool(r[5]),
                resident_status="approved",
            )
            for r in rows
        ]

    async def add_sends(
        self, bulletin_id: int, user_ids: Sequence[int], kind: SendKind, now: datetime
    ) -> None:
        await self.db.executemany(
            "INSERT INTO bulletin_sends (bulletin_id, user_id, kind, next_try_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(bulletin_id, uid, str(kind), NOW_ANY) for uid in user_ids],
        )

    async def received_by(self, bulletin_id: int) -> list[tuple[int, int | None]]:
        """Who got the bulletin itself, with the message it is in."""
        rows = await self._all(
            "SELECT user_id, message_id FROM bulletin_sends WHERE bulletin_id = ? "
            "AND kind = 'bulletin' AND outcome = 'sent' ORDER BY user_id",
            (bulletin_id,),
        )
        return [(int(r[0]), r[1]) for r in rows]

    async def original_message(self, bulletin_id: int, user_id: int) -> int | None:
        """The message this person got the bulletin in (a correction answers it)."""
        row = await self._one(
            "SELECT message_id FROM bulletin_sends WHERE bulletin_id = ? AND user_id = ? "
            "AND kind = 'bulletin' AND outcome = 'sent'",
            (bulletin_id, user_id),
        )
        return int(row[0]) if row and row[0] is not None else None

    async def cancel_pending_sends(self, bulletin_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE bulletin_sends SET outcome = 'cancelled', done_at = ? "
            "WHERE bulletin_id = ? AND outcome = 'pending'",
            (utc_text(now), bulletin_id),
        )

    async def send_counts(self, bulletin_id: int, kind: SendKind) -> dict[str, int]:
        rows = await self._all(
            "SELECT outcome, count(*) FROM bulletin_sends WHERE bulletin_id = ? AND kind = ? "
            "GROUP BY outcome",
            (bulletin_id, str(kind)),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    # --- the sender's side ----------------------------------------------------------

    async def next_send(self, now: datetime) -> dict[str, Any] | None:
        """The oldest copy due, of a bulletin that is going out (or being
        corrected or withdrawn); None when there is none."""
        row = await self._one(
            "SELECT s.id, s.bulletin_id, s.user_id, s.kind, s.attempts FROM bulletin_sends s "
            "JOIN bulletins b ON b.id = s.bulletin_id WHERE s.outcome = 'pending' "
            "AND s.next_try_at <= ? AND (b.status IN ('sending', 'sent') "
            "OR (b.status = 'withdrawn' AND s.kind = 'withdrawal')) ORDER BY s.id LIMIT 1",
            (utc_text(now),),
        )
        return dict(row) if row else None

    async def claim_send(self, send_id: int) -> bool:
        claimed = await self.db.execute(
            "UPDATE bulletin_sends SET outcome = 'sending' WHERE id = ? AND outcome = 'pending'",
            (send_id,),
        )
        return claimed == 1

    async def finish_send(
        self, send_id: int, outcome: Outcome, message_id: int | None, now: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE bulletin_sends SET outcome = ?, message_id = ?, done_at = ? WHERE id = ?",
            (str(outcome), message_id, utc_text(now), send_id),
        )
        await self.db.execute(
            "UPDATE bulletins SET progress_dirty = 1 WHERE id = "
            "(SELECT bulletin_id FROM bulletin_sends WHERE id = ?)",
            (send_id,),
        )

    async def retry_send(self, send_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE bulletin_sends SET outcome = 'pending', attempts = attempts + 1, "
            "next_try_at = ? WHERE id = ?",
            (utc_text(at), send_id),
        )

    async def interrupted_sends(self, now: datetime) -> int:
        """Copies claimed by a process that was killed while sending them: unsure,
        never sent again (nobody gets a notice twice)."""
        unsure = await self.db.execute(
            "UPDATE bulletin_sends SET outcome = 'unsure', done_at = ? WHERE outcome = 'sending'",
            (utc_text(now),),
        )
        await self.db.execute(
            "UPDATE bulletins SET progress_dirty = 1 WHERE status IN ('sending', 'sent')"
        )
        return unsure

    async def finished_sending(self) -> list[int]:
        """Bulletins going out with no copy of their own left to send."""
        rows = await self._all(
            "SELECT id FROM bulletins b WHERE status = 'sending' AND NOT EXISTS "
            "(SELECT 1 FROM bulletin_sends s WHERE s.bulletin_id = b.id "
            "AND s.kind = 'bulletin' AND s.outcome IN ('pending', 'sending'))"
        )
        return [int(r[0]) for r in rows]

    async def set_bulletin_status(self, bulletin_id: int, status: BulletinStatus) -> None:
        await self.db.execute(
            "UPDATE bulletins SET status = ?, progress_dirty = 1 WHERE id = ?",
            (str(status), bulletin_id),
        )

    async def dirty_progress(self) -> list[Bulletin]:
        rows = await self._all(
            "SELECT * FROM bulletins WHERE progress_dirty = 1 AND progress_message IS NOT NULL"
        )
        return [_bulletin(row) for row in rows]

    async def progress_shown(self, bulletin_id: int) -> None:
        await self.db.execute(
            "UPDATE bulletins SET progress_dirty = 0 WHERE id = ?", (bulletin_id,)
        )

    async def pending_sends(self) -> int:
        row = await self._one(
            "SELECT count(*) FROM bulletin_sends s JOIN bulletins b ON b.id = s.bulletin_id "
            "WHERE s.outcome IN ('pending', 'sending') AND b.status != 'scheduled' "
            "AND NOT (b.status = 'withdrawn' AND s.kind != 'withdrawal')"
        )
        return int(row[0]) if row else 0


class IncidentTables(Rows):
    async def add_incident(self, incident: Incident) -> int:
        row = await self._one(
            "INSERT INTO incidents (category, buildings, description, declared_by, declared_at, "
            "expected_end, case_id, card_chat) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                str(incident.category),
                json.dumps(sorted(incident.buildings)),
                incident.description,
                incident.declared_by,
                utc_text(incident.declared_at),
                utc_text(incident.expected_end) if incident.expected_end else None,
                incident.case_id,
                incident.card_chat,
            ),
        )
        assert row is not None
        return int(row[0])

    async def save_incident(self, incident: Incident) -> None:
        await self.db.execute(
            "UPDATE incidents SET description = ?, expected_end = ?, closed_at = ?, "
            "last_update = ?, card_dirty = 1 WHERE id = ?",
            (
                incident.description,
                utc_text(incident.expected_end) if incident.expected_end else None,
                utc_text(incident.closed_at) if incident.closed_at else None,
                incident.last_update,
                incident.id,
            ),
        )

    async def incident(self, incident_id: int) -> Incident | None:
        row = await self._one(_INCIDENT_SQL + " WHERE i.id = ?", (incident_id,))
        return _incident(row) if row else None

    async def open_incidents(self, category: Category | None = None) -> list[Incident]:
        if category is None:
            rows = await self._all(_INCIDENT_SQL + " WHERE i.closed_at IS NULL ORDER BY i.id")
        else:
            rows = await self._all(
                _INCIDENT_SQL + " WHERE i.closed_at IS NULL AND i.category = ? ORDER BY i.id",
                (str(category),),
            )
        return [_incident(row) for row in rows]

    async def link_to_incident(self, link: Link) -> None:
        await self.db.execute(
            "INSERT INTO incident_links (incident_id, user_id, building, unit, description, "
            "linked_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                link.incident_id,
                link.user_id,
                link.building,
                link.unit,
                link.description,
                utc_text(link.at),
            ),
        )
        await self.db.execute(
            "UPDATE incidents SET card_dirty = 1 WHERE id = ?", (link.incident_id,)
        )

    async def unlink_from_incident(self, incident_id: int, user_id: int) -> bool:
        """The person's latest complaint taken back from the incident."""
        removed = await self.db.execute(
            "DELETE FROM incident_links WHERE id = (SELECT max(id) FROM incident_links "
            "WHERE incident_id = ? AND user_id = ?)",
            (incident_id, user_id),
        )
        await self.db.execute("UPDATE incidents SET card_dirty = 1 WHERE id = ?", (incident_id,))
        return removed == 1

    async def linked_people(self, incident_id: int) -> list[int]:
        rows = await self._all(
            "SELECT DISTINCT user_id FROM incident_links WHERE incident_id = ? ORDER BY user_id",
            (incident_id,),
        )
        return [int(r[0]) for r in rows]

    async def links_between(self, start: datetime, end: datetime) -> list[Link]:
        rows = await self._all(
            "SELECT * FROM incident_links WHERE linked_at >= ? AND linked_at < ? ORDER BY id",
            (utc_text(start), utc_text(end)),
        )
        return [
            Link(
                incident_id=r["incident_id"],
                user_id=r["user_id"],
                building=r["building"],
                unit=r["unit"],
                description=r["description"],
                at=parse_utc(r["linked_at"]),
            )
            for r in rows
        ]

    async def dirty_incident_cards(self) -> list[Incident]:
        rows = await self._all(
            _INCIDENT_SQL + " WHERE i.card_dirty = 1 AND i.card_chat IS NOT NULL ORDER BY i.id"
        )
        return [_incident(row) for row in rows]

    async def incident_card_shown(self, incident_id: int, message_id: int, linked: int) -> None:
        """The card now shows `linked` complaints; dirty again if more came meanwhile."""
        await self.db.execute(
            "UPDATE incidents SET card_message = ?, card_dirty = CASE WHEN "
            "(SELECT count(*) FROM incident_links WHERE incident_id = ?) != ? THEN 1 ELSE 0 END "
            "WHERE id = ?",
            (message_id, incident_id, linked, incident_id),
        )


_INCIDENT_SQL = (
    "SELECT i.*, (SELECT count(*) FROM incident_links l WHERE l.incident_id = i.id) AS linked "
    "FROM incidents i"
)


def _bulletin_body(bulletin: Bulletin) -> str:
    return json.dumps(
        {
            "texts": bulletin.texts,
            "audience": bulletin.audience.as_dict(),
            "attachment": bulletin.attachment,
        },
        ensure_ascii=False,
    )


def _bulletin(row: Row) -> Bulletin:
    body = json.loads(row["body"])
    return Bulletin(
        id=row["id"],
        author_id=row["author_id"],
        texts=dict(body["texts"]),
        audience=Audience.from_dict(body["audience"]),
        attachment=body.get("attachment"),
        created_at=parse_utc(row["created_at"]),
        send_at=parse_utc(row["send_at"]),
        status=BulletinStatus(row["status"]),
        progress_chat=row["progress_chat"],
        progress_message=row["progress_message"],
        corrected_at=parse_utc(row["corrected_at"]) if row["corrected_at"] else None,
        withdrawn_at=parse_utc(row["withdrawn_at"]) if row["withdrawn_at"] else None,
    )


def _incident(row: Row) -> Incident:
    return Incident(
        id=row["id"],
        category=Category(row["category"]),
        buildings=frozenset(json.loads(row["buildings"])),
        description=row["description"],
        declared_by=row["declared_by"],
        declared_at=parse_utc(row["declared_at"]),
        expected_end=parse_utc(row["expected_end"]) if row["expected_end"] else None,
        closed_at=parse_utc(row["closed_at"]) if row["closed_at"] else None,
        case_id=row["case_id"],
        last_update=row["last_update"],
        linked=int(row["linked"]),
        card_chat=row["card_chat"],
        card_message=row["card_message"],
    )
