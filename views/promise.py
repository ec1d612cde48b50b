"""The honest promise: when a resident can expect an answer, in service time.

"The cleaning team lead starts at 07:00; they will acknowledge it by 07:30."
The instants come from the core (the case's acknowledge deadline and the
holding rung's calendar, workflow/hours.py); this module only says them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import TypeAdapter

from views.i18n import Translator
from workflow.hours import ServiceHours
from workflow.model import Case, DeadlineKind, Status

_INSTANT = TypeAdapter(datetime)
# Within this, and on the same day, a deadline is said as "within 30 minutes".
SAID_AS_WITHIN = timedelta(hours=2)


def clock_time(at: datetime, now: datetime, t: Translator) -> str:
    """07:30 today, "tomorrow 07:30", or the date and time further on."""
    local, today = at.astimezone(t.timezone), now.astimezone(t.timezone).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return hhmm
    if local.date() == today + timedelta(days=1):
        return t("time.tomorrow", time=hhmm)
    return t.when(at)


def filed_text(
    t: Translator,
    *,
    ref: str,
    who: str,
    now: datetime,
    acknowledge_by: object,
    starts_at: object | None,
    within: str,
) -> str:
    """The confirmation's first line: when the rung starts (if it is not
    working now) and by when it will acknowledge."""
    by = _INSTANT.validate_python(acknowledge_by)
    if starts_at is not None:
        starts = _INSTANT.validate_python(starts_at)
        return t(
            "notice.filed.later",
            ref=ref,
            who=who,
            starts=clock_time(starts, now, t),
            due=clock_time(by, now, t),
        )
    if (
        by - now > SAID_AS_WITHIN
        or by.astimezone(t.timezone).date() != now.astimezone(t.timezone).date()
    ):
        return t("notice.filed.by", ref=ref, who=who, due=clock_time(by, now, t))
    return t("notice.filed", ref=ref, who=who, within=within)


def expectation(case: Case, now: datetime, hours: ServiceHours, t: Translator) -> str | None:
    """My cases: when a case not yet acknowledged will be, in service time."""
    ack = case.deadlines.get(DeadlineKind.ACKNOWLEDGE)
    if ack is None or case.status not in (Status.NEW, Status.REOPENED):
        return None
    who = t("role." + case.rung)
    starts = hours.calendar_for(case).next_open(now)
    if starts > now:
        return t(
            "my_cases.expect.later",
            who=who,
            starts=clock_time(starts, now, t),
            due=clock_time(ack.due_at, now, t),
        )
    return t("my_cases.expect.by", who=who, due=clock_time(ack.due_at, now, t))
