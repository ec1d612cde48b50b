"""What Telegram says about the chats themselves, rather than what people write
in them: the bot removed from or added back to a group (`my_chat_member`), a
group upgraded to a supergroup (`migrate_to_chat_id` / `migrate_from_chat_id`),
a person blocking or unblocking the bot, and, for any update a person sends
privately, that they can be reached again."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ChatMemberHandler, MessageHandler, TypeHandler, filters

from handlers.common import Context

log = logging.getLogger("estate_desk.membership")

# Runs before every other handler group (the prompts' group is -1).
REACHABLE_GROUP = -2

GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})
PRESENT = frozenset(
    {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
)


async def on_any_update(update: Update, context: Context) -> None:
    """Someone marked unreachable (they had blocked the bot) wrote, pressed a
    button or unblocked it in their private chat: they can be reached again,
    and what waited for them goes out. Costs one look-up of the sender, which
    the update's own handler reuses."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None or chat.type != chat.PRIVATE or user.is_bot:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in GONE:
        return  # that is them blocking the bot (on_my_chat_member)
    person = await context.person()
    if person is None or person.reachable:
        return
    due = await context.directory.reachable_again(user.id)
    if due is None:
        return
    log.info("user %s can be reached again; %d held messages due", user.id, due)
    person.reachable = True
    context.remember(person)
    context.outbound.wake()


async def on_my_chat_member(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    old = change.old_chat_member.status
    new = change.new_chat_member.status
    if chat.type == chat.PRIVATE:
        if new in GONE:
            log.info("user %s blocked the bot", chat.id)
            await context.directory.unreachable(chat.id)
        return  # unblocking: on_any_update
    admins = context.services.admin_ids
    if new in GONE:
        lost = await context.directory.group_lost(chat.id, "removed", admins)
        if lost:
            log.warning(
                "the bot was removed from group %s (%s); binding of %s marked broken",
                chat.id,
                chat.title,
                ", ".join(str(g.role) for g in lost),
            )
            context.outbound.wake()
    elif new in PRESENT and old in GONE:
        back = await context.directory.group_back(chat.id, admins)
        if back:
            log.warning(
                "the bot is back in group %s (%s); binding of %s works again",
                chat.id,
                chat.title,
                ", ".join(str(g.role) for g in back),
            )
            context.outbound.wake()


async def on_migrate(update: Update, context: Context) -> None:
    """A group became a supergroup: Telegram says so in both chats (the old one
    names the new id, the new one the old id); whichever comes first rebinds."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    roles = await context.directory.migrate_chat(old, new)
    if roles:
        log.warning(
            "group %s was upgraded to supergroup %s; rebound %s",
            old,
            new,
            ", ".join(map(str, roles)),
        )
        context.outbound.wake()


def reachable_handler() -> TypeHandler[Update, Context, None]:
    return TypeHandler(Update, on_any_update)


def membership_handlers() -> list[object]:
    return [
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate),
    ]
