"""People, the groups bound to roles, and staff invites."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.storage.outbox import DUE_NOW
from bot.storage.rows import Row, Rows, parse_utc, utc_text
from workflow.directory import Invite, Person, RoleGroup
from workflow.roles import Role


class PeopleTables(Rows):
    async def person(self, user_id: int) -> Person | None:
        row = await self._one("SELECT * FROM people WHERE user_id = ?", (user_id,))
        return None if row is None else _person(row)

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
        # Staff are a few dozen people: their roles are read here rather than
        # searched in SQL (SQLite's json_each and PostgreSQL's jsonb differ).
        return [p for p in await self.staff() if role in p.roles]

    async def staff(self) -> list[Person]:
        rows = await self._all("SELECT * FROM people WHERE roles != '[]' ORDER BY user_id")
        return [_person(row) for row in rows]

    async def reachable_rungs(self) -> frozenset[Role]:
        groups = {g.role for g in await self.role_groups() if not g.broken}
        held = {r for p in await self.staff() if p.reachable for r in p.staff_roles}
        return frozenset(groups | held)

    async def role_group(self, role: Role) -> RoleGroup | None:
        row = await self._one("SELECT * FROM role_groups WHERE role = ?", (str(role),))
        return _group(row) if row else None

    async def roles_of_chat(self, chat_id: int) -> list[Role]:
        rows = await self._all("SELECT role FROM role_groups WHERE chat_id = ?", (chat_id,))
        return [Role(row[0]) for row in rows]

    async def role_groups(self) -> list[RoleGroup]:
        rows = await self._all("SELECT * FROM role_groups ORDER BY role")
        return [_group(row) for row in rows]

    async def bind_group(self, group: RoleGroup) -> None:
        await self.db.execute(
            "INSERT INTO role_groups (role, chat_id, title, language, is_forum) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (role) DO UPDATE SET chat_id = excluded.chat_id, "
            "title = excluded.title, language = excluded.language, is_forum = excluded.is_forum, "
            "broken_at = NULL, broken_reason = NULL",
            (str(group.role), group.chat_id, group.title, group.language, int(group.is_forum)),
        )

    async def unbind_group(self, chat_id: int) -> list[Role]:
        roles = await self.roles_of_chat(chat_id)
        await self.db.execute("DELETE FROM role_groups WHERE chat_id = ?", (chat_id,))
        return roles

    async def mark_group_broken(self, chat_id: int, reason: str, now: datetime) -> list[RoleGroup]:
        """Every binding of this chat that was working, now marked broken."""
        rows = await self._all(
            "UPDATE role_groups SET broken_at = ?, broken_reason = ? "
            "WHERE chat_id = ? AND broken_at IS NULL RETURNING *",
            (utc_text(now), reason, chat_id),
        )
        return [_group(row) for row in rows]

    async def restore_group(self, chat_id: int) -> list[RoleGroup]:
        """Every broken binding of this chat, working again."""
        rows = await self._all(
            "UPDATE role_groups SET broken_at = NULL, broken_reason = NULL "
            "WHERE chat_id = ? AND broken_at IS NOT NULL RETURNING *",
            (chat_id,),
        )
        return [_group(row) for row in rows]

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> list[Role]:
        """A group upgraded to a supergroup: its bindings (with their language)
        follow it to the new chat id. Its cards and digests are messages of the
        old chat, which the new one cannot edit: they are forgotten, so the next
        card of a case is posted afresh in the supergroup; a digest not posted
        yet (message 0) moves with the group, to be posted there."""
        rows = await self._all(
            "UPDATE role_groups SET chat_id = ?, broken_at = NULL, broken_reason = NULL "
            "WHERE chat_id = ? RETURNING role",
            (new_chat_id, old_chat_id),
        )
        await self.db.execute("DELETE FROM cards WHERE chat_id = ?", (old_chat_id,))
        await self.db.execute(
            "DELETE FROM digests WHERE chat_id = ? AND message_id <> 0", (old_chat_id,)
        )
        await self.db.execute(
            "UPDATE digests SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        return [Role(row[0]) for row in rows]

    async def mark_reachable(self, user_id: int, now: datetime, since: timedelta) -> int:
        """Someone the bot could not reach wrote to it again: reachable, and the
        messages refused or held back for them since `now - since` are due again.
        Returns how many; nothing changes for someone already reachable."""
        changed = await self.db.execute(
            "UPDATE people SET reachable = 1 WHERE user_id = ? AND reachable = 0", (user_id,)
        )
        if changed == 0:
            return 0
        # Queued again as new rows (a courier remembers the ids it finished, and
        # would skip the old ones); the old rows say they were sent on.
        held = await self._all(
            "UPDATE outbox SET outcome = 'blocked, sent again' "
            "WHERE outcome = 'blocked' AND CAST(json_extract(body, '$.user_id') AS BIGINT) = ? "
            "AND created_at >= ? RETURNING id, case_id, body, created_at",
            (user_id, utc_text(now - since)),
        )
        await self.db.executemany(
            "INSERT INTO outbox (case_id, body, created_at, next_try_at) VALUES (?, ?, ?, ?)",
            [
                (r["case_id"], r["body"], r["created_at"], DUE_NOW)
                for r in sorted(held, key=lambda r: int(r["id"]))
            ],
        )
        return len(held)

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


def _person(row: Row) -> Person:
    data = dict(row)
    data["roles"] = json.loads(data["roles"])
    data.pop("created_at")
    return Person.model_validate(data)


def _group(row: Row) -> RoleGroup:
    data = dict(row)
    if data.get("broken_at"):
        data["broken_at"] = parse_utc(data["broken_at"])
    return RoleGroup.model_validate(data)
