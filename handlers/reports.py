"""`/report`, `/export` and the weekly summary, for the manager, the cs
supervisor and the front desk (in their groups, or privately)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import CommandHandler

from handlers.common import Context, allowed
from handlers.context import Services
from views.i18n import Translator
from views.reports import REPORT_TEAMS, Period, chart, figures_text, period_for, register
from views.surveys import figures_lines
from workflow.deadlines import is_overdue, next_due
from workflow.figures import Figures, compute
from workflow.model import Team
from workflow.notifications import Announcement, Notice
from workflow.permissions import REPORT_ROLES
from workflow.roles import Role

log = logging.getLogger("estate_desk.reports")

TREND_WEEKS = 6


def _parse(args: list[str], s: Services) -> tuple[Period | None, Team | None]:
    team = None
    words = []
    for arg in args:
        try:
            team = Team(arg.lower())
        except ValueError:
            words.append(arg.lower())
    return period_for(" ".join(words), s.clock.now(), s.estate.zone), team


async def figures_for(s: Services, period: Period, team: Team | None = None) -> Figures:
    events = await s.casebook.events_of_cases_filed(period.start, period.end)
    return compute(events, as_of=min(period.end, s.clock.now()), team=team)


async def _period(
    update: Update, context: Context
) -> tuple[Translator, Period, Team | None] | None:
    """The asker's translator, period and team; None once the asker has been told
    why not (not allowed, or a period that makes no sense)."""
    t = await allowed(update, context, REPORT_ROLES)
    if t is None:
        return None
    period, team = _parse(context.args or [], context.services)
    if period is None:
        await context.replies.reply(update, t("report.usage"))
        return None
    return t, period, team


async def report(update: Update, context: Context) -> None:
    asked = await _period(update, context)
    if asked is None:
        return
    t, period, team = asked
    s = context.services
    events = await s.casebook.events_of_cases_filed(period.start, period.end)
    as_of = min(period.end, s.clock.now())
    title = period.label + (f" · {t.raw('team.' + team)}" if team else "")
    text = figures_text(compute(events, as_of, team), t, title)
    linked = await s.incidents.figures(period.start, period.end) if team is None else None
    if linked is not None and linked.complaints:  # complaints that joined a known incident
        text += "\n" + t(
            "report.incidents", complaints=linked.complaints, incidents=linked.incidents
        )
    if team is None:  # the surveys that closed in the period, and the satisfaction trend
        surveys = await s.surveys.figures(period.start, period.end)
        text += "".join("\n" + line for line in figures_lines(surveys.closed, surveys.trend, t))
    await context.replies.reply(update, text)
    by_team = {tm: compute(events, as_of, tm) for tm in REPORT_TEAMS}  # one query, every team
    png = chart(by_team, await _weekly(s, period.end, team), t)
    await context.replies.photo(update, png, "report.png")


async def _weekly(s: Services, end: datetime, team: Team | None) -> list[tuple[str, Figures]]:
    weeks = []
    local_end = end.astimezone(s.estate.zone)
    monday = datetime.combine(local_end.date(), datetime.min.time(), s.estate.zone)
    monday -= timedelta(days=local_end.weekday())
    for back in range(TREND_WEEKS, 0, -1):
        start = monday - timedelta(weeks=back - 1)
        week = Period(start, start + timedelta(days=7), start.strftime("%m-%d"))
        weeks.append((week.label, await figures_for(s, week, team)))
    return weeks


async def export(update: Update, context: Context) -> None:
    asked = await _period(update, context)
    if asked is None:
        return
    t, period, _team = asked
    actor = await context.actor()
    chat, user = update.effective_chat, update.effective_user
    private = chat is not None and chat.type == "private"
    manager = Role.MANAGER in actor.roles
    cases, events, people = await context.casebook.register_rows(period.start, period.end)
    filename = f"cases-{period.label[:10]}.xlsx"
    # Residents' phones only ever go to the manager, privately: a group (even the
    # manager's) gets the register without them.
    await context.replies.document(
        update,
        register(cases, events, people, t, manager and private, context.clock.now()),
        filename,
        caption=t.raw("export.caption", period=period.label),
    )
    if not manager or private or user is None:
        return
    me = await context.person()
    mine = context.translator_for(me.language if me else None)
    try:
        await context.replies.document_to(
            user.id,
            register(cases, events, people, mine, True, context.clock.now()),
            filename,
            caption=mine.raw("export.caption", period=period.label),
        )
    except Forbidden:
        await context.replies.reply(update, t("contact.start_me", name=user.full_name))
        return
    await context.replies.reply(update, t("export.phones_privately", name=user.full_name))


async def weekly_summary(s: Services) -> None:
    """Monday 09:00 (or as the estate file says): last week against the week
    before, and the worst overdue cases, to the manager's group. Sent once per
    week, even across restarts."""
    now = s.clock.now()
    local = now.astimezone(s.estate.zone)
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), datetime.min.time(), s.estate.zone
    )
    when = s.estate.reports
    due = datetime.combine(
        (monday + timedelta(days=when.weekday)).date(), when.summary_time, s.estate.zone
    )
    key = monday.date().isoformat()
    if now < due:
        return
    if await s.marks.get("weekly_summary", key) is not None:
        return  # the usual case, every sweep after Monday's: no write transaction
    open_cases = await s.casebook.open_cases()
    last = Period(monday - timedelta(days=7), monday, "")
    before = Period(monday - timedelta(days=14), monday - timedelta(days=7), "")
    this, prior = await figures_for(s, last), await figures_for(s, before)
    overdue = sorted((c for c in open_cases if is_overdue(c, now)), key=next_due)[:5]
    summary = Notice(
        kind=Announcement.WEEKLY_SUMMARY,
        role=Role.MANAGER,
        params={
            "week": (monday - timedelta(days=7)).strftime("%Y-%m-%d"),
            "ack": [this.acknowledge_on_time.value, prior.acknowledge_on_time.value],
            "handling": [this.handling.value, prior.handling.value],
            "cases": [this.cases, prior.cases],
            "overdue": [[c.ref, str(c.rung)] for c in overdue],
        },
    )
    # The week's claim and its summary commit together: sent once, never lost.
    if await s.marks.claim("weekly_summary", key, tell=[summary], now=now):
        s.outbound.wake()


def report_handlers() -> list[object]:
    return [CommandHandler("report", report), CommandHandler("export", export)]
