"""The directory as the shell uses it: who someone is, the groups bound to
roles, invites, and residents' registrations. Reads never take the write lock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from workflow.clock import Clock
from workflow.directory import Invite, Person, RoleGroup, e164
from workflow.model import Case
from workflow.notifications import Announcement, Notice, NoticeKind, Notification
from workflow.ports import ShellStore
from workflow.roles import Role


class Directory:
    def __init__(self, store: ShellStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # --- reads ----------------------------------------------------------------

    async def person(self, user_id: int) -> Person | None:
        async with self.store.reading() as tx:
            return await tx.person(user_id)

    async def people(self, user_ids: set[int]) -> dict[int, Person]:
        """The people among `user_ids` the directory knows."""
        async with self.store.reading() as tx:
            found = {uid: await tx.person(uid) for uid in user_ids}
        return {uid: p for uid, p in found.items() if p is not None}

    async def chat_language(self, chat_id: int) -> str | None:
        """The language of the role group this chat is bound to (None: not bound,
        or bound without one)."""
        async with self.store.reading() as tx:
            groups = [g for g in await tx.role_groups() if g.chat_id == chat_id]
        return groups[0].language if groups else None

    async def staff_sheet(self) -> tuple[list[Person], dict[Role, RoleGroup]]:
        """Every staff member, and the group bound to each role."""
        async with self.store.reading() as tx:
            people = await tx.staff()
            groups = {g.role: g for g in await tx.role_groups()}
        return people, groups

    # --- people -----------------------------------------------------------------

    async def welcome(self, newcomer: Person) -> Person:
        """Someone opened the bot: the person we know (or `newcomer`), now reachable."""
        async with self.store.transaction() as tx:
            person = await tx.person(newcomer.user_id) or newcomer
            person.reachable = True
            await tx.save_person(person, self.clock.now())
        return person

    async def reachable_again(self, user_id: int) -> int | None:
        """Someone the bot could not reach (they had blocked it) wrote to it: they
        are reachable again, and what was held back for them is due again. None
        if they were not marked unreachable; else how many messages are due."""
        async with self.store.transaction() as tx:
            person = await tx.person(user_id)
            if person is None or person.reachable:
                return None
            return await tx.mark_reachable(user_id, self.clock.now(), HELD_FOR)

    async def unreachable(self, user_id: int) -> None:
        """Someone blocked the bot (Telegram said so): nothing is sent them until
        they write again."""
        async with self.store.transaction() as tx:
            person = await tx.person(user_id)
            if person is not None and person.reachable:
                person.reachable = False
                await tx.save_person(person, self.clock.now())

    async def set_language(self, user_id: int, name: str, language: str) -> Person:
        async with self.store.transaction() as tx:
            person = await tx.person(user_id) or Person(user_id=user_id, name=name)
            person.language = language
            await tx.save_person(person, self.clock.now())
        return person

    async def register(
        self,
        user_id: int,
        *,
        name: str,
        building: str,
        unit: str,
        phone: str,
        language: str,
        needs_approval: bool,
    ) -> Person:
        """A resident's registration: approved at once, or pending the front desk."""
        async with self.store.transaction() as tx:
            person = await tx.person(user_id) or Person(user_id=user_id)
            person.name = name
            person.building = building
            person.unit = unit
            person.phone = e164(phone)
            person.language = person.language or language
            person.resident_status = "pending" if needs_approval else "approved"
            now = self.clock.now()
            await tx.save_person(person, now)
            if person.resident_status == "pending":
                # The front desk's approval card, written with the request it is about.
                await tx.enqueue_notices([_approval_request(person)], now)
        return person

    async def decide_registration(
        self, user_id: int, approve: bool, reason: str = "other"
    ) -> tuple[Person | None, str]:
        """Approve or reject a pending registration (with the reason the resident
        is given) and tell them, in the same transaction. Returns the person and
        the status they had: anything but "pending" means nothing was decided."""
        async with self.store.transaction() as tx:
            person = await tx.person(user_id)
            if person is None or person.resident_status != "pending":
                return person, person.resident_status if person else "none"
            person.resident_status = "approved" if approve else "rejected"
            now = self.clock.now()
            await tx.save_person(person, now)
            decided = Notice(
                kind=Announcement.REGISTRATION_DECIDED,
                user_id=person.user_id,
                params={"approved": approve, "reason": reason},
            )
            await tx.enqueue_notices([decided], now)
        return person, "pending"

    # --- staff: invites and groups ----------------------------------------------------

    async def create_invite(
        self, token: str, role: Role, created_by: int, lifetime: timedelta
    ) -> Invite:
        invite = Invite(
            token=token, role=role, created_by=created_by, expires_at=self.clock.now() + lifetime
        )
        async with self.store.transaction() as tx:
            await tx.add_invite(invite)
        return invite

    async def accept_invite(self, token: str, newcomer: Person) -> Invite | None:
        """The invite, used by `newcomer` (or the person we know by that id), who
        now holds its role; None if it is unknown, used or expired."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            found = await tx.invite(token)
            if found is None or found.used_by is not None or found.expires_at < now:
                return None
            person = await tx.person(newcomer.user_id) or newcomer
            if found.role not in person.roles:
                person.roles.append(found.role)
            person.reachable = True
            await tx.save_person(person, now)
            await tx.use_invite(token, newcomer.user_id)
        return found

    async def revoke(
        self, user_id: int, role: Role | None, by: int
    ) -> tuple[Person | None, list[Role]]:
        """Take a role (or, with none named, every staff role) away from someone,
        recorded as an audit row; the person and the roles they lost. Their
        buttons stop working at once: every press reads their roles afresh."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            person = await tx.person(user_id)
            if person is None:
                return None, []
            lost = [r for r in person.staff_roles if role is None or r is role]
            if not lost:
                return person, []
            person.roles = [r for r in person.roles if r not in lost]
            await tx.save_person(person, now)
            await tx.put_state(
                "audit",
                f"{now.isoformat()} revoke {user_id}",
                {
                    "action": "revoke",
                    "user_id": user_id,
                    "roles": [str(r) for r in lost],
                    "by": by,
                    "at": now.isoformat(),
                },
            )
        return person, lost

    async def bind(self, group: RoleGroup) -> None:
        async with self.store.transaction() as tx:
            await tx.bind_group(group)

    async def group_lost(self, chat_id: int, reason: str, admins: Iterable[int]) -> list[RoleGroup]:
        """The bot can no longer post in this chat: its bindings are marked broken
        and the admins and the front desk told, in the same transaction."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            lost = await tx.mark_group_broken(chat_id, reason, now)
            await tx.enqueue_notices(group_notices(Announcement.GROUP_LOST, lost, admins), now)
            if lost:
                await tx.enqueue(cards_elsewhere(await tx.open_cases(), lost), now)
        return lost

    async def group_back(self, chat_id: int, admins: Iterable[int]) -> list[RoleGroup]:
        """The bot is back in a chat whose bindings were broken: they work again."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            back = await tx.restore_group(chat_id)
            await tx.enqueue_notices(group_notices(Announcement.GROUP_BACK, back, admins), now)
        return back

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> list[Role]:
        """A group became a supergroup: its bindings follow it to the new chat id."""
        async with self.store.transaction() as tx:
            return await tx.migrate_chat(old_chat_id, new_chat_id)

    async def unbind(self, chat_id: int) -> list[Role]:
        """Unbind every role bound to this chat; the roles it had."""
        async with self.store.transaction() as tx:
            return await tx.unbind_group(chat_id)


# How far back messages held for someone who blocked the bot are delivered
# once they write again (older news is stale by then).
HELD_FOR = timedelta(days=7)


def group_notices(
    kind: Announcement, groups: Iterable[RoleGroup], admins: Iterable[int]
) -> list[Notice]:
    """What the admins and the front desk are told when bound groups are lost
    (GROUP_LOST) or work again (GROUP_BACK): one notice each, naming the roles."""
    groups = list(groups)
    if not groups:
        return []
    params = {
        "title": groups[0].title,
        "roles": [str(g.role) for g in groups],
        "reason": groups[0].broken_reason or "removed",
    }
    notices = [Notice(kind=kind, user_id=admin, params=params) for admin in sorted(set(admins))]
    notices.append(Notice(kind=kind, role=Role.FRONT_DESK, params=params))
    return notices


def cards_elsewhere(
    open_cases: Iterable[Case], lost: Iterable[RoleGroup], but: int | None = None
) -> list[Notification]:
    """The open cases waiting at a rung whose group was lost, their cards sent
    again (now routed to the role's people privately, or the rung above), so
    none waits unseen until its timer. `but`: a case whose message is being
    sent on already."""
    roles = {g.role for g in lost}
    return [
        Notification(
            NoticeKind.NEW_CASE,
            case.id,
            case.ref,
            role=case.rung,
            params={"rung": case.rung, "repeat_of": None},
        )
        for case in open_cases
        if case.rung in roles and case.id != but
    ]


def _approval_request(person: Person) -> Notice:
    return Notice(
        kind=Announcement.APPROVAL_REQUEST,
        role=Role.FRONT_DESK,
        params={
            "user_id": person.user_id,
            "name": person.name,
            "building": person.building,
            "unit": person.unit,
            "phone": person.phone,
        },
    )
