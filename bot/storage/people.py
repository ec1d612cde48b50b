"""People, the groups bound to roles, and staff invites."""

from __future__ import annotations

import json
from datetime import datetime

from bot.storage.rows import Rows, parse_utc, utc_text
from workflow.directory import Invite, Person, RoleGroup
from workflow.roles import Role


class PeopleTables(Rows):
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
