"""Known incidents: the front desk or a supervisor declares one with
/incident, in its group or privately:

    /incident repair A,B 16:00 No water since 10:00   declare (end `-` if unknown)
    /incident case <reference> [16:00|-] [text]      make one of a case
    /incident update <number> <text>                 news for every linked resident
    /incident close <number> [notice] [text]         the end (`notice`: tell the buildings too)
    /incident                                        the open ones, and this help

Residents filing a matching case are linked by the filing flow
(`handlers.filing`), which asks `Incidents.join` first."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from handlers.common import Context, allowed, error_text
from views.bulletins import buildings_text
from views.i18n import Translator
from workflow.errors import DomainError
from workflow.incident_service import IncidentMissing
from workflow.incidents import DECLARERS, Incident, parse_declaration, parse_time


async def on_incident(update: Update, context: Context) -> None:
    t = await allowed(update, context, DECLARERS)
    if t is None:
        return
    words = list(context.args or [])
    try:
        if not words:
            await _list_open(update, context, t)
        elif words[0].lower() == "case":
            await _from_case(update, context, t, words[1:])
        elif words[0].lower() in ("update", "close"):
            await _tell(update, context, t, words)
        else:
            await _declare(update, context, t, words)
    except IncidentMissing as error:
        await context.replies.reply(
            update, t("incident.missing", number=error.details.get("incident_id", "?"))
        )
    except DomainError as error:
        await context.replies.reply(update, error_text(error, t))


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def _declare(update: Update, context: Context, t: Translator, words: list[str]) -> None:
    now = context.clock.now().astimezone(context.estate.zone)
    declaration = parse_declaration(words, {b.id for b in context.estate.buildings}, now)
    if declaration is None:
        await context.replies.reply(update, t("incident.usage"))
        return
    incident = await context.services.incidents.declare(
        await context.actor(), declaration, _chat_id(update)
    )
    await _declared(update, context, t, incident)


async def _from_case(update: Update, context: Context, t: Translator, words: list[str]) -> None:
    if not words:
        await context.replies.reply(update, t("incident.usage"))
        return
    ref, rest = words[0].upper(), words[1:]
    now = context.clock.now().astimezone(context.estate.zone)
    end = None
    if rest and rest[0] != "-":
        end = parse_time(rest[0], now)
        if end is None or end <= now:
            await context.replies.reply(update, t("incident.usage"))
            return
    text = " ".join(rest[1:]) if rest else ""
    incident = await context.services.incidents.from_case(
        await context.actor(), ref, end, text or None, _chat_id(update)
    )
    await _declared(update, context, t, incident)


async def _declared(update: Update, context: Context, t: Translator, incident: Incident) -> None:
    context.services.broadcast.wake()  # posts the incident card
    await context.replies.reply(
        update,
        t(
            "incident.declared",
            number=incident.id,
            category=t.raw("category." + incident.category),
            buildings=buildings_text(incident.buildings, t),
        ),
    )


async def _tell(update: Update, context: Context, t: Translator, words: list[str]) -> None:
    if len(words) < 2 or not words[1].lstrip("#").isdigit():
        await context.replies.reply(update, t("incident.usage"))
        return
    number = int(words[1].lstrip("#"))
    rest = words[2:]
    service = context.services.incidents
    actor = await context.actor()
    if words[0].lower() == "update":
        if not rest:
            await context.replies.reply(update, t("incident.update_empty"))
            return
        count = await service.update(actor, number, " ".join(rest))
        key = "incident.updated"
    else:
        as_notice = bool(rest) and rest[0].lower() == "notice"
        text = " ".join(rest[1:] if as_notice else rest)
        count = await service.close(actor, number, text, as_notice=as_notice and bool(text))
        key = "incident.closed"
    context.outbound.wake()  # the linked residents' messages
    context.services.broadcast.wake()  # the card, and any notice to the buildings
    await context.replies.reply(update, t(key, number=number, count=count))


async def _list_open(update: Update, context: Context, t: Translator) -> None:
    found = await context.services.incidents.open_ones()
    lines = [
        t(
            "incident.list.item",
            number=i.id,
            category=t.raw("category." + i.category),
            buildings=buildings_text(i.buildings, t),
            text=i.description,
            count=i.linked,
        )
        for i in found
    ]
    lines = lines or [t("incident.list.none")]
    await context.replies.reply(update, "\n".join([*lines, "", t("incident.usage")]))


def incident_handlers() -> list[object]:
    return [CommandHandler("incident", on_incident)]
