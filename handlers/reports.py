"""`/report`, `/export` and the weekly summary, for the manager, the cs
supervisor and the front desk (in their groups, or privately)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import CommandHandler

from handlers.common import Context, allowed
from handlers.context import CompanyDesk, CompanyEstate, Services
from views.company import EstateRegister, company_register, company_text
from views.i18n import Translator, translator_for
from views.reports import REPORT_TEAMS, Period, chart, figures_text, period_for, register
from views.surveys import figures_lines
from workflow.company import EstateFigures, company_figures
from workflow.deadlines import is_overdue, next_due
from workflow.figures import Figures, compute
from workflow.model import Team
from workflow.notifications import Announcement, Notice
from workflow.permissions import REPORT_ROLES
from workflow.roles import Role

log = logging.getLogger("estate_desk.reports")

TREND_WEEKS = 6
COMPANY_WORD = "company"  # /report company, /export company: the company role's


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


def _asks_company(context: Context) -> bool:
    args = context.args or []
    return bool(args) and args[0].lower() == COMPANY_WORD


async def _company_period(
    update: Update, context: Context
) -> tuple[Translator, Period, CompanyDesk] | None:
    """`/report company …` and `/export company …`: for the company role only
    (read from the database), privately; the asker's translator, the period and
    the company, or None once the asker has been told why not."""
    s = context.services
    t = await context.chat_translator()
    user, chat = update.effective_user, update.effective_chat
    company = s.company
    if company is None or user is None or not await company.is_staff(user.id):
        await context.replies.reply(update, t("error.not_allowed"))
        return None
    if chat is None or chat.type != "private":
        await context.replies.reply(update, t("company.private_only"))
        return None
    words = " ".join(context.args or []).lower().removeprefix(COMPANY_WORD).strip()
    period = period_for(words, s.clock.now(), s.estate.zone)
    if period is None:
        await context.replies.reply(update, t("company.usage"))
        return None
    return t, period, company


async def company_report(update: Update, context: Context) -> None:
    """Every estate's figures side by side, and the company's totals."""
    asked = await _company_period(update, context)
    if asked is None:
        return
    t, period, company = asked
    as_of = min(period.end, context.services.clock.now())
    estates = company.estates()
    figures = []
    for estate in estates:
        events = await estate.casebook.events_of_cases_filed(period.start, period.end)
        figures.append(EstateFigures(estate.id, compute(events, as_of)))
    combined = company_figures(figures)
    names = [e.estate.name.in_language(t.language) for e in estates]
    text = company_text(
        company.name.in_language(t.language),
        [(name, f.figures) for name, f in zip(names, combined.estates, strict=True)],
        combined.total,
        t,
        period.label,
    )
    await context.replies.reply(update, text)


async def company_export(update: Update, context: Context) -> None:
    """One register across estates (an estate column first), without residents'
    phone numbers (`python -m bot export --company --with-phones` has them)."""
    asked = await _company_period(update, context)
    if asked is None:
        return
    t, period, company = asked
    data, _count = await company_workbook(
        company.estates(), period, t, False, context.services.clock.now()
    )
    await context.replies.document(
        update,
        data,
        f"company-cases-{period.label[:10]}.xlsx",
        caption=t.raw("company.export_caption", period=period.label),
    )


async def company_workbook(
    estates: Sequence[CompanyEstate],
    period: Period,
    t: Translator,
    with_phones: bool,
    as_of: datetime,
) -> tuple[bytes, int]:
    """One register across `estates` (an estate column first), and how many cases
    it lists: for /export company and `python -m bot export --company`."""
    parts = []
    for estate in estates:
        cases, events, people = await estate.casebook.register_rows(period.start, period.end)
        own = translator_for(estate.estate, t.language)
        parts.append(EstateRegister(estate.id, own, cases, events, people))
    return company_register(parts, t, with_phones, as_of), sum(len(p.cases) for p in parts)


async def report(update: Update, context: Context) -> None:
    if _asks_company(context):
        await company_report(update, context)
        return
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
    if _asks_company(context):
        await company_export(update, context)
        return
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
