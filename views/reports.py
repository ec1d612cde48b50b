"""Reports for the office: the figures as text, a chart, and the case register.

The figures themselves are `workflow.figures` (pure, from the event log);
this module only presents them: in the reader's language, as a PNG readable
on a phone (with a CJK font, never boxes), and as the `.xlsx` register an
ISO 9001 audit asks for.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unicodedata import east_asian_width
from zoneinfo import ZoneInfo

from views.i18n import Translator
from workflow.casebook_service import Casebook
from workflow.directory import Person
from workflow.figures import Figures, Rate
from workflow.model import (
    Case,
    CloseReason,
    DeadlineKind,
    EscalationReason,
    Event,
    EventKind,
    ReporterKind,
    Team,
)
from workflow.ports import ShellStore
from workflow.routing import team_of

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
REPORT_TEAMS = (Team.REPAIR, Team.CLEANING, Team.SECURITY, Team.SERVICE, Team.GUARDS)


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    label: str


def period_for(word: str, now: datetime, zone: ZoneInfo) -> Period | None:
    """today, week, month, lastmonth, or two dates `2026-11-01 2026-11-30`."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), datetime.min.time(), zone)
    parts = word.split()
    if len(parts) == 2:
        try:
            first = datetime.fromisoformat(parts[0]).replace(tzinfo=zone)
            last = datetime.fromisoformat(parts[1]).replace(tzinfo=zone) + timedelta(days=1)
        except ValueError:
            return None
        return Period(first, last, f"{parts[0]} – {parts[1]}") if first < last else None
    match word or "week":
        case "today":
            return Period(midnight, midnight + timedelta(days=1), local.strftime("%Y-%m-%d"))
        case "week":
            monday = midnight - timedelta(days=local.weekday())
            return Period(monday, monday + timedelta(days=7), monday.strftime("%Y-%m-%d") + " +7")
        case "month":
            first = midnight.replace(day=1)
            return Period(first, _next_month(first), first.strftime("%Y-%m"))
        case "lastmonth":
            this = midnight.replace(day=1)
            previous = (this - timedelta(days=1)).replace(day=1)
            return Period(previous, this, previous.strftime("%Y-%m"))
    return None


def _next_month(first: datetime) -> datetime:
    return (first + timedelta(days=32)).replace(day=1)


def _rate(rate: Rate, t: Translator) -> str:
    """ "60%（3/5）" in Chinese, "60% (3/5)" in English; "-" when nothing was counted."""
    if rate.value is None:
        return "-"
    return t.raw(
        "report.rate", percent=f"{rate.value:.0%}", part=rate.numerator, whole=rate.denominator
    )


def figures_text(figures: Figures, t: Translator, title: str) -> str:
    lines = [t.count("report.title", figures.cases, period=title)]
    lines.append(t("report.ack", rate=_rate(figures.acknowledge_on_time, t)))
    lines.append(t("report.on_site", rate=_rate(figures.on_site_on_time, t)))
    lines.append(t("report.handling", rate=_rate(figures.handling, t)))
    lines.append(t("report.re_repair", rate=_rate(figures.re_repair, t)))
    lines.append(t("report.callback", rate=_rate(figures.callback, t)))
    satisfaction = (
        "-"
        if figures.average_satisfaction is None
        else t.count("report.rated", figures.ratings, average=f"{figures.average_satisfaction:.1f}")
    )
    lines.append(t("report.satisfaction", value=satisfaction))
    lines.append(t("report.repeats", count=figures.repeat_complaints))
    escalations = (
        t.join(
            t.raw("report.item", what=t.raw("reason." + r), count=n)
            for r, n in sorted(figures.escalations_by_reason.items())
        )
        or "-"
    )
    lines.append(t("report.escalations", items=escalations))
    categories = (
        t.join(
            t.raw("report.item", what=t.raw("category." + c), count=n)
            for c, n in sorted(figures.cases_by_category.items())
        )
        or "-"
    )
    lines.append(t("report.categories", items=categories))
    return "\n".join(lines)


def cjk_font() -> str | None:
    """The path of a CJK font, registered with matplotlib; None if there is none."""
    from matplotlib import font_manager

    for path in CJK_FONTS:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return path
    return None


def chart(
    by_team: dict[Team, Figures], weekly: Sequence[tuple[str, Figures]], t: Translator
) -> bytes:
    """Per team on-time and handling rates, and the weekly trend, as a PNG."""
    # matplotlib is imported when the first chart is drawn, not at start-up: it
    # costs about a second, and a restarted bot should answer before that.
    import matplotlib

    matplotlib.use("Agg")  # no screen: render to PNG only
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = cjk_font()
    family = font_manager.FontProperties(fname=font).get_name() if font else "DejaVu Sans"
    with plt.rc_context({"font.family": family, "font.size": 11}):
        fig, (teams_ax, trend_ax) = plt.subplots(2, 1, figsize=(6, 8), dpi=120)
        names = [t.raw("team." + team) for team in by_team]
        ack = [_percent(f.acknowledge_on_time) for f in by_team.values()]
        handled = [_percent(f.handling) for f in by_team.values()]
        x = range(len(names))
        teams_ax.bar([i - 0.2 for i in x], ack, width=0.4, label=t.raw("chart.ack"))
        teams_ax.bar([i + 0.2 for i in x], handled, width=0.4, label=t.raw("chart.handling"))
        teams_ax.set_xticks(list(x), names)
        teams_ax.set_ylim(0, 100)
        teams_ax.set_ylabel("%")
        teams_ax.set_title(t.raw("chart.by_team"))
        teams_ax.legend(loc="lower right")
        weeks = [label for label, _ in weekly]
        trend_ax.plot(
            weeks,
            [_percent(f.acknowledge_on_time) for _, f in weekly],
            marker="o",
            label=t.raw("chart.ack"),
        )
        trend_ax.plot(
            weeks,
            [_percent(f.handling) for _, f in weekly],
            marker="s",
            label=t.raw("chart.handling"),
        )
        trend_ax.set_ylim(0, 100)
        trend_ax.set_title(t.raw("chart.by_week"))
        trend_ax.legend(loc="lower right")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
    return buffer.getvalue()


def _percent(rate: Rate) -> float:
    return 0.0 if rate.value is None else rate.value * 100


# The register's columns, in order; the phone goes last, and only when asked for.
REGISTER_COLUMNS = (
    "ref",
    "category",
    "severity",
    "urgency",
    "status",
    "description",
    "location",
    "team",
    "reporter",
    "reporter_kind",
    "resident",
    "unit",
    "filed",
    "handler",
    "acknowledged",
    "acknowledged_by",
    "acknowledge_due",
    "acknowledge_met",
    "on_site",
    "on_site_due",
    "on_site_met",
    "resolved",
    "resolved_by",
    "resolve_due",
    "resolve_met",
    "result",
    "closed",
    "close_reason",
    "confirmed",
    "rating",
    "comment",
    "reminders",
    "repeats",
    "rework",
)
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Which step meets which deadline.
DEADLINE_STEPS = (
    (DeadlineKind.ACKNOWLEDGE, EventKind.ACKNOWLEDGED),
    (DeadlineKind.ON_SITE, EventKind.ON_SITE),
    (DeadlineKind.RESOLVE, EventKind.RESOLVED),
)
# Reminders repeat while a case waits: the register counts them, one column,
# rather than listing each (an unattended case would fill a page).
COUNTED_EVENTS = frozenset({EventKind.REMINDED})
WIDEST = 60


@dataclass(frozen=True, slots=True)
class _Timeline:
    team: Team | None
    due: dict[DeadlineKind, datetime]
    done: dict[DeadlineKind, datetime]
    reminders: int


def _timeline(case: Case, events: Sequence[Event]) -> _Timeline:
    """The deadlines in force (as filed, or as last reclassified) and when each was met."""
    due = {kind: d.due_at for kind, d in case.deadlines.items()}
    team: Team | None = None
    classified = case.created_at
    for event in sorted(events, key=lambda e: e.at):
        if event.kind in (EventKind.FILED, EventKind.RECLASSIFIED):
            raw = event.data.get("deadlines")
            if isinstance(raw, dict):
                due = {DeadlineKind(k): datetime.fromisoformat(v) for k, v in raw.items()}
            if event.data.get("team"):
                team = Team(event.data["team"])
            classified = event.at
    done: dict[DeadlineKind, datetime] = {}
    for deadline, step in DEADLINE_STEPS:
        met = next((e.at for e in events if e.kind is step and e.at >= classified), None)
        if met is not None:
            done[deadline] = met
    reminders = sum(1 for e in events if e.kind in COUNTED_EVENTS)
    return _Timeline(team, due, done, reminders)


def _width(value: object) -> int:
    if isinstance(value, datetime):
        return 16
    text = "" if value is None else str(value)
    longest = max((line for line in text.splitlines()), key=len, default="")
    return sum(2 if east_asian_width(c) in "WF" else 1 for c in longest)


def _tidy(sheet: Any, dates: set[int]) -> None:
    """Real dates, widths to fit (within reason), the header frozen and filterable."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            index = cell.column
            if index in dates and isinstance(cell.value, datetime):
                cell.number_format = DATE_FORMAT
            widths[index] = max(widths.get(index, 0), _width(cell.value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = min(WIDEST, width + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def register(
    cases: Sequence[Case],
    events: Sequence[Event],
    people: dict[int, Person],
    t: Translator,
    with_phones: bool,
    as_of: datetime | None = None,
) -> bytes:
    """The case register: one row per case with its timeline, and its events
    (reminders counted on the case's row). Times are Excel dates in the estate's
    time zone; a deadline is on time, late, or (still running) blank."""
    from openpyxl import Workbook  # imported on first use, like matplotlib: start-up stays quick

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t.raw("register.cases")
    columns = [*REGISTER_COLUMNS, *(["phone"] if with_phones else [])]
    sheet.append([t.raw("register.col." + c) for c in columns])
    for row in case_rows(cases, events, people, t, columns, as_of):
        sheet.append(row)
    _tidy(sheet, dated_columns(columns))
    log = book.create_sheet(t.raw("register.events"))
    log.append([t.raw("register.col." + c) for c in EVENT_COLUMNS])
    for row in event_rows(cases, events, people, t):
        log.append(row)
    _tidy(log, {2})
    return workbook_bytes(book)


EVENT_COLUMNS = ("ref", "time", "event", "by", "reason")


def dated_columns(columns: Sequence[str]) -> set[int]:
    """The (1-based) columns holding times, shown as dates."""
    return {
        columns.index(c) + 1
        for c in columns
        if c in ("filed", "acknowledged", "on_site", "resolved", "closed") or c.endswith("_due")
    }


def workbook_bytes(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _when(t: Translator) -> Callable[[datetime | None], datetime | None]:
    zone = t.timezone

    def when(value: datetime | None) -> datetime | None:
        return value.astimezone(zone).replace(tzinfo=None) if value else None

    return when


def case_rows(
    cases: Sequence[Case],
    events: Sequence[Event],
    people: dict[int, Person],
    t: Translator,
    columns: Sequence[str],
    as_of: datetime | None = None,
) -> Iterator[list[object]]:
    """The register's rows, one per case, its `columns` in order."""
    from views.cards import where

    when = _when(t)

    def name(user_id: int | None) -> str:
        person = people.get(user_id or 0)
        return person.name if person else ""

    def met(line: _Timeline, kind: DeadlineKind) -> str:
        due, done = line.due.get(kind), line.done.get(kind)
        if due is None:
            return ""
        if done is not None:
            return t.raw("register.met" if done <= due else "register.late")
        if as_of is not None and as_of > due:
            return t.raw("register.late")
        return ""

    by_case: dict[int, list[Event]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    for case in cases:
        line = _timeline(case, by_case.get(case.id, []))
        by_resident = case.reporter_kind is ReporterKind.RESIDENT
        resident = people.get(case.reporter_id or 0) if by_resident else None
        team = line.team or case.about_team or team_of(case.category)
        values: dict[str, object] = {
            "ref": case.ref,
            "category": t.raw("category." + case.category),
            "severity": t.raw("severity." + case.severity),
            "urgency": t.raw("urgency." + case.urgency) if case.urgency else "",
            "status": t.raw("status.word." + case.status),
            "description": case.description,
            "location": where(case.location, t),
            "team": t.raw("team." + team),
            "reporter": name(case.reporter_id),
            "reporter_kind": t.raw("register.reporter." + case.reporter_kind),
            "resident": resident.name if resident else "",
            "unit": t.home(resident.building, resident.unit) if resident and resident.unit else "",
            "filed": when(case.created_at),
            "handler": t.raw("role." + case.rung),
            "acknowledged": when(case.acknowledged_at),
            "acknowledged_by": name(case.acknowledged_by),
            "acknowledge_due": when(line.due.get(DeadlineKind.ACKNOWLEDGE)),
            "acknowledge_met": met(line, DeadlineKind.ACKNOWLEDGE),
            "on_site": when(case.on_site_at),
            "on_site_due": when(line.due.get(DeadlineKind.ON_SITE)),
            "on_site_met": met(line, DeadlineKind.ON_SITE),
            "resolved": when(case.resolved_at),
            "resolved_by": name(case.resolved_by),
            "resolve_due": when(line.due.get(DeadlineKind.RESOLVE)),
            "resolve_met": met(line, DeadlineKind.RESOLVE),
            "result": case.resolution_note or "",
            "closed": when(case.closed_at),
            "close_reason": t.raw("close." + case.close_reason) if case.close_reason else "",
            "confirmed": ""
            if case.confirmed_fixed is None
            else ("✓" if case.confirmed_fixed else "✗"),
            "rating": case.rating,
            "comment": case.feedback_comment or "",
            "reminders": line.reminders,
            "repeats": case.repeat_count,
            "rework": case.rework_count,
            "phone": (resident.phone or "") if resident else "",
        }
        yield [values[c] for c in columns]


def event_rows(
    cases: Sequence[Case], events: Sequence[Event], people: dict[int, Person], t: Translator
) -> Iterator[list[object]]:
    """The register's event log: one row per event of these cases (reminders are
    counted on the case's row instead)."""
    when = _when(t)
    refs = {c.id: c.ref for c in cases}
    for event in events:
        if event.case_id in refs and event.kind not in COUNTED_EVENTS:
            person = people.get(event.actor_id or 0)
            yield [
                refs[event.case_id],
                when(event.at),
                t.raw("event." + event.kind),
                person.name if person else "",
                reason_words(event, t),
            ]


def reason_words(event: Event, t: Translator) -> str:
    """An event's reason as the reader says it: a closed case's (`no_feedback`) or an
    escalation's (`acknowledge_missed`) in words; what a person typed (a return's or
    a cancellation's note) as typed."""
    reason = event.reason or ""
    if event.kind == EventKind.CLOSED and reason in CODED_CLOSE:
        return t.raw("close." + reason)
    if event.kind in CODED_KINDS and reason in CODED_ESCALATION:
        return t.raw("reason." + reason)
    return reason


CODED_CLOSE = frozenset(CloseReason)
CODED_ESCALATION = frozenset(EscalationReason)
CODED_KINDS = frozenset(
    {EventKind.ESCALATED, EventKind.REMINDED, EventKind.REOPENED, EventKind.REPEAT_COMPLAINT}
)
"""Events whose reason is a code (workflow/decisions), not text a person typed."""


async def register_for(
    store: ShellStore,
    period: Period,
    t: Translator,
    with_phones: bool,
    as_of: datetime | None = None,
) -> bytes:
    """The register for the cases filed in `period`, with the people they name."""
    cases, events, people = await Casebook(store).register_rows(period.start, period.end)
    return register(cases, events, people, t, with_phones, as_of)
