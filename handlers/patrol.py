"""Patrol rounds and their records, and the shift log.

A guard scans a checkpoint's QR code, which opens the bot with that
checkpoint's deep link: the scan is logged. A timer job checks each finished
round and tells the security captain what was missed or late; at each shift
change the outgoing and incoming guards get a handover summary.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, Update
from telegram.ext import CommandHandler

from bot.services import Services
from delivery.records import Notice
from handlers.common import Context, allowed, person_of, reply, svc, t_user
from views.announcements import Announcement
from views.i18n import Translator
from workflow import roster
from workflow.model import Category
from workflow.roles import Role

log = logging.getLogger("estate_desk.patrol")

PATROL_VIEWERS = frozenset(
    {
        Role.GUARD,
        Role.SECURITY_CAPTAIN,
        Role.SECURITY_SUPERVISOR,
        Role.FRONT_DESK,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    }
)
ALERT_LOOKBACK = timedelta(hours=2)
ICON = {"done": "✅", "late": "⏰", "missed": "❌", "pending": "…"}


async def scan(update: Update, context: Context, checkpoint_id: str) -> None:
    """A guard opened a checkpoint's link: log it. Anyone else is refused politely."""
    t = await t_user(update, context)
    person = await person_of(context, update.effective_user)
    s = svc(context)
    checkpoint = s.estate.checkpoint(checkpoint_id)
    if person is None or Role.GUARD not in person.roles:
        await reply(update, t("patrol.guards_only"))
        return
    if checkpoint is None:
        await reply(update, t("patrol.unknown"))
        return
    now = s.clock.now()
    async with s.store.transaction() as tx:
        await tx.add_scan(checkpoint.id, person.user_id, now)
    await reply(update, t("patrol.scanned", name=checkpoint.name, when=t.when(now)))


async def patrol(update: Update, context: Context) -> None:
    """Today's rounds: each checkpoint done, late or missed, and by whom."""
    t = await allowed(update, context, PATROL_VIEWERS)
    if t is None:
        return
    s = svc(context)
    now = s.clock.now()
    day_start = now - timedelta(days=1)
    async with s.store.transaction() as tx:
        scans = await tx.scans_since(day_start)
        names = {
            uid: p.name
            for uid in {x.user_id for x in scans}
            if (p := await tx.person(uid)) is not None
        }
    done = roster.rounds(s.estate, scans, now)
    if not done:
        await reply(update, t("patrol.none"))
        return
    lines = [t("patrol.title")]
    for r in done[-12:]:
        items = [_item(result, names, t) for result in r.results]
        lines.append(t("patrol.round", start=_clock(r.start, s), items=" · ".join(items)))
    await reply(update, "\n".join(lines))


def _item(result: roster.CheckpointResult, names: dict[int, str], t: Translator) -> str:
    who = ""
    if result.scan is not None:
        who = f" ({names.get(result.scan.user_id, '?')})"
    return f"{ICON[result.status]} {result.checkpoint.name}{who}"


def _clock(when: datetime, s: Services) -> str:
    return when.astimezone(s.estate.zone).strftime("%H:%M")


async def add_note(update: Update, context: Context) -> None:
    """`/log <text>`: a line in the shift log, for guards and the captain."""
    t = await t_user(update, context)
    person = await person_of(context, update.effective_user)
    if person is None or not {Role.GUARD, Role.SECURITY_CAPTAIN} & set(person.roles):
        await reply(update, t("patrol.guards_only"))
        return
    text = " ".join(context.args or []).strip()[:1000]
    if not text:
        await reply(update, t("log.usage"))
        return
    s = svc(context)
    async with s.store.transaction() as tx:
        await tx.add_note(person.user_id, text, s.clock.now())
    await reply(update, t("log.added"))


# --- the timer's side: round alerts and handovers ---------------------------------


async def check(s: Services, bot: Bot) -> None:
    """Alert on finished rounds with missed or late checkpoints (each once), and
    hand over at shift change. Called by the timer job."""
    await _alert_rounds(s)
    await _handover(s)


async def _alert_rounds(s: Services) -> None:
    now = s.clock.now()
    async with s.store.reading() as tx:
        rows = await tx.duty_rows()
        if not roster.on_duty(s.estate, rows, now):
            return  # nobody on patrol: nothing was expected
        scans = await tx.scans_since(now - timedelta(days=1))
        alerted = await tx.state("patrol_alerted")
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
                "items": " · ".join(f"{ICON[p.status]} {p.checkpoint.name}" for p in r.problems()),
            },
        )
        async with s.store.transaction() as tx:  # the alert and its record, together
            await tx.put_state("patrol_alerted", key, True)
            await tx.enqueue_notices([alert], now)
        s.wake_courier()


async def _handover(s: Services) -> None:
    now = s.clock.now()
    running = roster.current_shift(s.estate.shifts, now, s.estate.zone)
    if running is None:
        return
    shift, began = running
    key = f"{began.isoformat()}:{shift.name}"
    async with s.store.reading() as tx:
        seen = await tx.state("handover")
    if seen.get("current") == key:
        return
    previous = seen.get("current")
    async with s.store.transaction() as tx:
        await tx.put_state("handover", "current", key)
    if previous is None:
        return  # the bot just started: no shift of ours has ended yet
    ended = roster.current_shift(s.estate.shifts, began - timedelta(seconds=1), s.estate.zone)
    if ended is None:
        return
    old_shift, old_began = ended
    async with s.store.transaction() as tx:
        cases = await tx.cases_created_between(old_began, began)
        open_help = [c for c in await tx.open_cases() if c.category is Category.ASSISTANCE]
        notes = await tx.notes_between(old_began, began)
        scans = await tx.scans_since(old_began)
        people = {uid: p.name for uid, _, _ in notes if (p := await tx.person(uid))}
    reports = [c for c in cases if c.category is Category.SITE_CONDITION]
    missed = [
        res
        for r in roster.rounds(s.estate, scans, began, since=old_began)
        if r.start < began
        for res in r.problems()
        if res.status == "missed"
    ]

    facts = {
        "old": old_shift.name,
        "new": shift.name,
        "help": [c.ref for c in open_help],
        "reports": [c.ref for c in reports],
        "missed": [m.checkpoint.name for m in missed],
        "notes": [[people.get(uid, "?"), text] for uid, text, _ in notes],
    }
    handovers = [
        Notice(kind=Announcement.HANDOVER, user_id=user_id, params=facts)
        for user_id in sorted({*old_shift.guards, *shift.guards})
    ]
    handovers.append(Notice(kind=Announcement.HANDOVER, role=Role.SECURITY_CAPTAIN, params=facts))
    async with s.store.transaction() as tx:
        await tx.enqueue_notices(handovers, now)
    s.wake_courier()


def patrol_handlers() -> list[object]:
    return [CommandHandler("patrol", patrol), CommandHandler("log", add_note)]
