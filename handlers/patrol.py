"""Patrol rounds and their records, and the shift log.

A guard scans a checkpoint's QR code, which opens the bot with that
checkpoint's deep link: the scan is logged. A timer job checks each finished
round and tells the security captain what was missed or late; at each shift
change the outgoing and incoming guards get a handover summary.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import CommandHandler

from handlers.common import Context, allowed
from handlers.context import Services
from views.announcements import PATROL_ICONS as ICON
from views.i18n import Translator
from workflow import roster
from workflow.model import Category
from workflow.notifications import Announcement, Notice
from workflow.permissions import PATROL_VIEWERS
from workflow.roles import Role

log = logging.getLogger("estate_desk.patrol")

ALERT_LOOKBACK = timedelta(hours=2)


async def scan(update: Update, context: Context, checkpoint_id: str) -> None:
    """A guard opened a checkpoint's link: log it. Anyone else is refused politely."""
    t = await context.translator()
    person = await context.person()
    checkpoint = context.estate.checkpoint(checkpoint_id)
    if person is None or Role.GUARD not in person.roles:
        await context.replies.reply(update, t("patrol.guards_only"))
        return
    if checkpoint is None:
        await context.replies.reply(update, t("patrol.unknown"))
        return
    now = await context.duty.scan(checkpoint.id, person.user_id)
    await context.replies.reply(
        update, t("patrol.scanned", name=t.checkpoint(checkpoint.id), when=t.when(now))
    )


async def patrol(update: Update, context: Context) -> None:
    """Today's rounds: each checkpoint done, late or missed, and by whom."""
    t = await allowed(update, context, PATROL_VIEWERS)
    if t is None:
        return
    s = context.services
    now = s.clock.now()
    scans, names = await s.duty.scans_since(now - timedelta(days=1))
    done = roster.rounds(s.estate, scans, now)
    if not done:
        await context.replies.reply(update, t("patrol.none"))
        return
    lines = [t("patrol.title")]
    for r in done[-12:]:
        items = [_item(result, names, t) for result in r.results]
        lines.append(t("patrol.round", start=_clock(r.start, s), items=" · ".join(items)))
    await context.replies.reply(update, "\n".join(lines))


def _item(result: roster.CheckpointResult, names: dict[int, str], t: Translator) -> str:
    checkpoint = t.checkpoint(result.checkpoint.id)
    if result.scan is not None:
        name = names.get(result.scan.user_id, "?")
        checkpoint = t.raw("patrol.scanned_by", checkpoint=checkpoint, name=name)
    return f"{ICON[result.status]} {checkpoint}"


def _clock(when: datetime, s: Services) -> str:
    return when.astimezone(s.estate.zone).strftime("%H:%M")


async def add_note(update: Update, context: Context) -> None:
    """`/log <text>`: a line in the shift log, for guards and the captain."""
    t = await context.translator()
    person = await context.person()
    if person is None or not {Role.GUARD, Role.SECURITY_CAPTAIN} & set(person.roles):
        await context.replies.reply(update, t("patrol.guards_only"))
        return
    text = " ".join(context.args or []).strip()[:1000]
    if not text:
        await context.replies.reply(update, t("log.usage"))
        return
    await context.duty.add_note(person.user_id, text)
    await context.replies.reply(update, t("log.added"))


# --- the timer's side: round alerts and handovers ---------------------------------


async def check(s: Services) -> None:
    """Alert on finished rounds with missed or late checkpoints (each once), and
    hand over at shift change. Called by the timer job."""
    await _alert_rounds(s)
    await _handover(s)


async def _alert_rounds(s: Services) -> None:
    now = s.clock.now()
    if not await s.duty.on_duty():
        return  # nobody on patrol: nothing was expected
    scans, _names = await s.duty.scans_since(now - timedelta(days=1))
    alerted = await s.marks.all("patrol_alerted")
    grace = s.estate.patrol.grace
    for r in roster.rounds(s.estate, scans, now, since=now - ALERT_LOOKBACK):
        key = r.start.isoformat()
        if r.end + grace > now or key in alerted or not r.problems():
            continue
        alert = Notice(
            kind=Announcement.PATROL_ALERT,
            role=Role.SECURITY_CAPTAIN,
            params={
                "start": _clock(r.start, s),
                "end": _clock(r.end, s),
                # Ids, not names: each reader sees the checkpoints' names in their language.
                "problems": [[p.status, p.checkpoint.id] for p in r.problems()],
            },
        )
        # The alert and its record, together: sent once, even across a restart.
        await s.marks.put("patrol_alerted", key, True, tell=[alert], now=now)
        s.outbound.wake()


async def _handover(s: Services) -> None:
    now = s.clock.now()
    running = roster.current_shift(s.estate.shifts, now, s.estate.zone)
    if running is None:
        return
    shift, began = running
    # By the shift's id, which is its name where the estate gave a plain string:
    # a mark stored before shifts had ids still matches.
    key = f"{began.isoformat()}:{shift.id}"
    previous = await s.marks.get("handover", "current")
    if previous == key:
        return
    ended = roster.current_shift(s.estate.shifts, began - timedelta(seconds=1), s.estate.zone)
    if previous is None or ended is None:
        # The bot just started (no shift of ours has ended yet), or nothing came before.
        await s.marks.put("handover", "current", key)
        return
    old_shift, old_began = ended
    record = await s.duty.shift_record(old_began, began)
    cases, notes, scans, people = record.cases_filed, record.notes, record.scans, record.names
    open_help = [c for c in record.open_cases if c.category is Category.ASSISTANCE]
    reports = [c for c in cases if c.category is Category.SITE_CONDITION]
    missed = [
        res
        for r in roster.rounds(s.estate, scans, began, since=old_began)
        if r.start < began
        for res in r.problems()
        if res.status == "missed"
    ]

    facts = {
        # Shift and checkpoint ids: the view names them in each reader's language.
        "old": old_shift.id,
        "new": shift.id,
        "help": [c.ref for c in open_help],
        "reports": [c.ref for c in reports],
        "missed": [m.checkpoint.id for m in missed],
        "notes": [[people.get(uid, "?"), text] for uid, text, _ in notes],
    }
    handovers = [
        Notice(kind=Announcement.HANDOVER, user_id=user_id, params=facts)
        for user_id in sorted({*old_shift.guards, *shift.guards})
    ]
    handovers.append(Notice(kind=Announcement.HANDOVER, role=Role.SECURITY_CAPTAIN, params=facts))
    # The handover and the mark that it was made, in one transaction: told once.
    await s.marks.put("handover", "current", key, tell=handovers, now=now)
    s.outbound.wake()


def patrol_handlers() -> list[object]:
    return [CommandHandler("patrol", patrol), CommandHandler("log", add_note)]
