"""Setting up staff: invite links, binding groups to roles, who is who."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import CommandHandler, filters

from handlers import guard
from handlers.common import Context
from views.i18n import LANGUAGES, Markup, language_for
from workflow.directory import Person, RoleGroup
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
    t = await context.translator()
    user = update.effective_user
    if not context.is_admin():
        log.warning("refused /invite from %s", user.id if user else None)
        await context.replies.reply(update, t("error.admins_only"))
        return
    role = _role(context.args[0] if context.args else None)
    if role is None:
        await context.replies.reply(update, t("invite.usage", roles=_role_list()))
        return
    assert user is not None
    token = secrets.token_urlsafe(12)
    made = await context.directory.create_invite(token, role, user.id, INVITE_LIFETIME)
    expires = made.expires_at
    link = f"https://t.me/{context.bot.username}?start=inv-{token}"
    await context.replies.reply(
        update, t("invite.link", role=t.raw("role." + role), link=link, expires=t.when(expires))
    )


async def accept_invite(update: Update, context: Context, token: str) -> None:
    user = update.effective_user
    assert user is not None
    t = await context.translator()
    newcomer = Person(
        user_id=user.id,
        name=user.full_name,
        language=language_for(user.language_code, context.estate.default_language),
    )
    found = await context.directory.accept_invite(token, newcomer)
    if found is None:
        await context.replies.reply(update, t("invite.invalid"))
        return
    await context.replies.reply(update, t("invite.accepted", role=t.raw("role." + found.role)))
    if found.role is Role.GUARD:  # the guard's keyboard at once, no /start needed
        await guard.show_menu(update, context, t)


async def bind(update: Update, context: Context) -> None:
    t = await context.chat_translator()
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    if not context.is_admin():
        log.warning("refused /bind from %s in %s", user.id if user else None, chat.id)
        await context.replies.reply(update, t("error.admins_only"))
        return
    args = context.args or []
    role = _role(args[0] if args else None)
    if role is None:
        await context.replies.reply(update, t("bind.usage", roles=_role_list()))
        return
    language = args[1] if len(args) > 1 and args[1] in LANGUAGES else None
    me = await context.bot.get_chat_member(chat.id, context.bot.id)
    is_forum = bool(chat.is_forum)
    if is_forum and me.status != ChatMemberStatus.ADMINISTRATOR:
        await context.replies.reply(update, t("bind.need_admin_for_topics"))
        return
    await context.directory.bind(
        RoleGroup(
            role=role,
            chat_id=chat.id,
            title=chat.title or "",
            language=language,
            is_forum=is_forum,
        )
    )
    t = context.translator_for(await context.directory.chat_language(chat.id))
    await context.replies.reply(update, t("bind.done", role=t.raw("role." + role)))
    if not context.bot.can_read_all_group_messages:
        await context.replies.reply(update, t("bind.privacy_note"))


async def unbind(update: Update, context: Context) -> None:
    t = await context.chat_translator()
    chat = update.effective_chat
    assert chat is not None
    if not context.is_admin():
        await context.replies.reply(update, t("error.admins_only"))
        return
    roles = await context.directory.unbind(chat.id)
    if not roles:
        await context.replies.reply(update, t("unbind.none"))
        return
    await context.replies.reply(
        update, t("unbind.done", roles=t.join(t.raw("role." + r) for r in roles))
    )


async def revoke(update: Update, context: Context) -> None:
    """`/revoke <user id or name> [role]`: an admin takes a role (or all of them)
    away from someone who left; their buttons stop working at once."""
    t = await context.chat_translator()
    user = update.effective_user
    if not context.is_admin():
        log.warning("refused /revoke from %s", user.id if user else None)
        await context.replies.reply(update, t("error.admins_only"))
        return
    args = list(context.args or [])
    role = _role(args[-1]) if len(args) > 1 else None
    if role is not None:
        args = args[:-1]
    who = " ".join(args).strip()
    if not who:
        await context.replies.reply(update, t("revoke.usage", roles=_role_list()))
        return
    people, _groups = await context.directory.staff_sheet()
    found = [
        p for p in people if str(p.user_id) == who or p.name.strip().casefold() == who.casefold()
    ]
    if len(found) != 1:
        await context.replies.reply(update, t("revoke.unknown", who=who))
        return
    assert user is not None
    person, lost = await context.directory.revoke(found[0].user_id, role, by=user.id)
    if person is None or not lost:
        await context.replies.reply(update, t("revoke.nothing", name=found[0].name))
        return
    log.info("user %s revoked %s from %s", user.id, [str(r) for r in lost], person.user_id)
    await context.replies.reply(
        update,
        t("revoke.done", name=person.name, roles=t.join(t.raw("role." + r) for r in lost)),
    )


async def staff(update: Update, context: Context) -> None:
    t = await context.chat_translator()
    person = await context.person()
    if not (context.is_admin() or (person and person.staff_roles)):
        await context.replies.reply(update, t("error.staff_only"))
        return
    people, groups = await context.directory.staff_sheet()
    lines = [t("staff.title")]
    for role in sorted(STAFF_ROLES):
        holders = t.join(f"{p.name} ({p.user_id})" for p in people if role in p.roles) or "-"
        group = groups.get(role)
        lines.append(
            t(
                "staff.line",
                role=t.raw("role." + role),
                people=holders,
                group=group.title if group else "-",
            )
        )
    await context.replies.reply(update, "\n".join(lines))


async def whoami(update: Update, context: Context) -> None:
    t = await context.translator()
    user = update.effective_user
    assert user is not None
    person = await context.person()
    roles = [t.raw("role." + r) for r in (person.staff_roles if person else [])]
    if context.is_admin():
        roles.append(t.raw("role.admin"))
    home = t.home(person.building, person.unit) if person else "-"
    status = t.raw("resident_status." + (person.resident_status if person else "none"))
    await context.replies.reply(
        update, t("whoami", id=user.id, roles=t.join(roles) or "-", home=home, status=status)
    )


def setup_handlers() -> list[object]:
    return [
        CommandHandler("invite", invite, filters=PRIVATE),
        CommandHandler("bind", bind, filters=GROUPS),
        CommandHandler("unbind", unbind, filters=GROUPS),
        CommandHandler("revoke", revoke),
        CommandHandler("staff", staff),
        CommandHandler("whoami", whoami),
    ]
