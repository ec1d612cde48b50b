"""Setting up staff: invite links, binding groups to roles, who is who."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import CommandHandler, filters

from handlers.common import Context, is_admin, person_of, reply, svc, t_chat, t_user
from views.i18n import LANGUAGES, Markup, language_for
from workflow.directory import Invite, Person, RoleGroup
from workflow.roles import STAFF_ROLES, Role

log = logging.getLogger("estate_desk.staff")

INVITE_LIFETIME = timedelta(hours=24)
GROUPS = filters.ChatType.GROUPS
PRIVATE = filters.ChatType.PRIVATE


def _role(text: str | None) -> Role | None:
    try:
        role = Role((text or "").strip().lower())
    except ValueError:
        return None
    return role if role in STAFF_ROLES else None


def _role_list() -> Markup:
    return Markup(", ".join(f"<code>{r}</code>" for r in sorted(STAFF_ROLES)))


async def invite(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    user = update.effective_user
    if not is_admin(context, user.id if user else None):
        log.warning("refused /invite from %s", user.id if user else None)
        await reply(update, t("error.admins_only"))
        return
    role = _role(context.args[0] if context.args else None)
    if role is None:
        await reply(update, t("invite.usage", roles=_role_list()))
        return
    s = svc(context)
    token = secrets.token_urlsafe(12)
    expires = s.clock.now() + INVITE_LIFETIME
    assert user is not None
    async with s.store.transaction() as tx:
        await tx.add_invite(Invite(token=token, role=role, created_by=user.id, expires_at=expires))
    link = f"https://t.me/{context.bot.username}?start=inv-{token}"
    await reply(
        update, t("invite.link", role=t.raw("role." + role), link=link, expires=t.when(expires))
    )


async def accept_invite(update: Update, context: Context, token: str) -> None:
    user = update.effective_user
    assert user is not None
    s = svc(context)
    t = await t_user(update, context)
    async with s.store.transaction() as tx:
        found = await tx.invite(token)
        if found is None or found.used_by is not None or found.expires_at < s.clock.now():
            problem = "invite.invalid"
        else:
            problem = ""
            person = await tx.person(user.id) or Person(
                user_id=user.id,
                name=user.full_name,
                language=language_for(user.language_code, s.estate.default_language),
            )
            if found.role not in person.roles:
                person.roles.append(found.role)
            person.reachable = True
            await tx.save_person(person, s.clock.now())
            await tx.use_invite(token, user.id)
    if problem:
        await reply(update, t(problem))
        return
    assert found is not None
    await reply(update, t("invite.accepted", role=t.raw("role." + found.role)))


async def bind(update: Update, context: Context) -> None:
    t = await t_chat(update, context)
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    if not is_admin(context, user.id if user else None):
        log.warning("refused /bind from %s in %s", user.id if user else None, chat.id)
        await reply(update, t("error.admins_only"))
        return
    args = context.args or []
    role = _role(args[0] if args else None)
    if role is None:
        await reply(update, t("bind.usage", roles=_role_list()))
        return
    language = args[1] if len(args) > 1 and args[1] in LANGUAGES else None
    me = await context.bot.get_chat_member(chat.id, context.bot.id)
    is_forum = bool(chat.is_forum)
    if is_forum and me.status != ChatMemberStatus.ADMINISTRATOR:
        await reply(update, t("bind.need_admin_for_topics"))
        return
    s = svc(context)
    async with s.store.transaction() as tx:
        await tx.bind_group(
            RoleGroup(
                role=role,
                chat_id=chat.id,
                title=chat.title or "",
                language=language,
                is_forum=is_forum,
            )
        )
    t = await t_chat(update, context)
    await reply(update, t("bind.done", role=t.raw("role." + role)))
    if not context.bot.can_read_all_group_messages:
        await reply(update, t("bind.privacy_note"))


async def unbind(update: Update, context: Context) -> None:
    t = await t_chat(update, context)
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    if not is_admin(context, user.id if user else None):
        await reply(update, t("error.admins_only"))
        return
    async with svc(context).store.transaction() as tx:
        roles = await tx.unbind_group(chat.id)
    if not roles:
        await reply(update, t("unbind.none"))
        return
    await reply(update, t("unbind.done", roles=", ".join(t.raw("role." + r) for r in roles)))


async def staff(update: Update, context: Context) -> None:
    t = await t_chat(update, context)
    person = await person_of(context, update.effective_user)
    user = update.effective_user
    if not (is_admin(context, user.id if user else None) or (person and person.staff_roles)):
        await reply(update, t("error.staff_only"))
        return
    async with svc(context).store.transaction() as tx:
        people = await tx.staff()
        groups = {g.role: g for g in await tx.role_groups()}
    lines = [t("staff.title")]
    for role in sorted(STAFF_ROLES):
        holders = ", ".join(p.name for p in people if role in p.roles) or "-"
        group = groups.get(role)
        lines.append(
            t(
                "staff.line",
                role=t.raw("role." + role),
                people=holders,
                group=group.title if group else "-",
            )
        )
    await reply(update, "\n".join(lines))


async def whoami(update: Update, context: Context) -> None:
    t = await t_user(update, context)
    user = update.effective_user
    assert user is not None
    person = await person_of(context, user)
    roles = [t.raw("role." + r) for r in (person.staff_roles if person else [])]
    if is_admin(context, user.id):
        roles.append(t.raw("role.admin"))
    home = f"{person.building} {person.unit}" if person and person.unit else "-"
    status = t.raw("resident_status." + (person.resident_status if person else "none"))
    await reply(
        update, t("whoami", id=user.id, roles=", ".join(roles) or "-", home=home, status=status)
    )


def setup_handlers() -> list[object]:
    return [
        CommandHandler("invite", invite, filters=PRIVATE),
        CommandHandler("bind", bind, filters=GROUPS),
        CommandHandler("unbind", unbind, filters=GROUPS),
        CommandHandler("staff", staff),
        CommandHandler("whoami", whoami),
    ]
