"""/health: how the running bot is doing, for the bot's admins in private."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.common import Context
from handlers.context import HealthSnapshot
from views.i18n import Translator

log = logging.getLogger("estate_desk.health")


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def render(t: Translator, seen: HealthSnapshot, now_uptime: str) -> str:
    lines = [
        t("health.title"),
        t("health.version", value=seen.version),
        t("health.up", since=t.when(seen.started_at), within=now_uptime),
        t("health.last_update", when=t.when(seen.last_update_at))
        if seen.last_update_at is not None
        else t("health.last_update.none"),
        t("health.database", what=_megabytes(seen.database_bytes)),
    ]
    if seen.open_by_rung:
        items = t.join(
            t.raw("report.item", what=t.raw("role." + role), count=count)
            for role, count in seen.open_by_rung.items()
        )
        lines.append(t("health.open", items=items))
    else:
        lines.append(t("health.open.none"))
    lines.append(t("health.outbox", count=seen.outbox_waiting))
    if seen.unreachable:
        roles = t.join(t.raw("role." + role) for role in seen.unreachable)
        lines.append(t("health.unreachable", roles=roles))
    else:
        lines.append(t("health.unreachable.none"))
    if seen.last_backup is not None:
        name, at = seen.last_backup
        lines.append(t("health.backup", when=t.when(at), what=name))
    else:
        lines.append(t("health.backup.none"))
    return "\n".join(lines)


async def health(update: Update, context: Context) -> None:
    t = await context.translator()
    if not context.is_admin():
        user = update.effective_user
        log.warning("refused /health from %s", user.id if user else None)
        await context.replies.reply(update, t("error.admins_only"))
        return
    port = context.services.health
    if port is None:
        return
    seen = await port.snapshot()
    uptime = t.duration(context.clock.now() - seen.started_at)
    await context.replies.reply(update, render(t, seen, uptime))


def health_handlers() -> list[object]:
    return [CommandHandler("health", health, filters=filters.ChatType.PRIVATE)]
