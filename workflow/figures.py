"""The figures the office is judged by, computed from the event log alone.

The cohort is the cases filed in the period; each is judged by everything
that happened to it up to `as_of` (normally the period's end, or now).
Cancelled and merged cases are not work done and are left out. A case that
was reclassified is judged by its final classification and the deadlines
that came with it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from workflow.model import Category, DeadlineKind, Event, EventKind, ReporterKind, Team


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Figures:
    cases: int
    acknowledge_on_time: Rate
    on_site_on_time: Rate
    handling: Rate
    re_repair: Rate
    callback: Rate
    average_satisfaction: float | None
    ratings: int
    repeat_complaints: int
    escalations_by_reason: dict[str, int] = field(default_factory=dict)
    cases_by_category: dict[str, int] = field(default_factory=dict)


@dataclass
class _History:
    case_id: int
    category: Category
    team: Team
    reporter_kind: ReporterKind
    deadlines: dict[str, datetime]
    classified_at: datetime
    events: list[Event] = field(default_factory=list)

    def first(self, kind: EventKind, after: datetime) -> Event | None:
        return next((e for e in self.events if e.kind is kind and e.at >= after), None)

    def has(self, kind: EventKind) -> bool:
        return any(e.kind is kind for e in self.events)


def _histories(events: Iterable[Event], as_of: datetime) -> list[_History]:
    grouped: dict[int, list[Event]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.at):
        if event.at <= as_of:
            grouped[event.case_id].append(event)
    histories = []
    for case_events in grouped.values():
        filed = next((e for e in case_events if e.kind is EventKind.FILED), None)
        if filed is None:
            continue
        history = _History(
            case_id=filed.case_id,
            category=Category(filed.data["category"]),
            team=Team(filed.data["team"]),
            reporter_kind=ReporterKind(filed.data["reporter_kind"]),
            deadlines=_times(filed.data["deadlines"]),
            classified_at=filed.at,
            events=case_events,
        )
        for e in case_events:
            if e.kind is EventKind.RECLASSIFIED:
                history.category = Category(e.data["category"])
                history.team = Team(e.data["team"])
                history.deadlines = _times(e.data["deadlines"])
                history.classified_at = e.at
        histories.append(history)
    return histories


def _times(raw: dict[str, str]) -> dict[str, datetime]:
    return {kind: datetime.fromisoformat(at) for kind, at in raw.items()}


def _on_time(
    histories: list[_History], deadline: DeadlineKind, step: EventKind, as_of: datetime
) -> Rate:
    on_time = late = 0
    for h in histories:
        met = _met(h, deadline, step, as_of)
        if met is None or met[1] is None:
            continue
        on_time, late = (on_time + 1, late) if met[1] else (on_time, late + 1)
    return Rate(on_time, on_time + late)


_STEPS = (
    (DeadlineKind.ACKNOWLEDGE, EventKind.ACKNOWLEDGED),
    (DeadlineKind.ON_SITE, EventKind.ON_SITE),
    (DeadlineKind.RESOLVE, EventKind.RESOLVED),
)


def _met(
    h: _History, deadline: DeadlineKind, step: EventKind, as_of: datetime
) -> tuple[datetime, bool | None] | None:
    """The deadline (as stored when the case was classified, so in service
    time) and whether its step was done by then: None while it still can be."""
    due = h.deadlines.get(str(deadline))
    if due is None:
        return None
    done = h.first(step, h.classified_at)
    if done is not None:
        return due, done.at <= due
    return due, (False if as_of > due else None)


def deadlines_met(
    events: Iterable[Event], as_of: datetime
) -> dict[int, dict[DeadlineKind, tuple[datetime, bool | None]]]:
    """Each case's deadlines and whether each was met (the register's columns),
    by the same rule as the on-time rates."""
    out: dict[int, dict[DeadlineKind, tuple[datetime, bool | None]]] = {}
    for h in _histories(events, as_of):
        cell = out.setdefault(h.case_id, {})
        for deadline, step in _STEPS:
            met = _met(h, deadline, step, as_of)
            if met is not None:
                cell[deadline] = met
    return out


def compute(events: Iterable[Event], as_of: datetime, team: Team | None = None) -> Figures:
    histories = [
        h
        for h in _histories(events, as_of)
        if not (h.has(EventKind.CANCELLED) or _merged_away(h)) and (team is None or h.team is team)
    ]
    resolved = [h for h in histories if h.has(EventKind.RESOLVED)]
    repairs = [h for h in resolved if h.category is Category.REPAIR]
    reworked = [
        h
        for h in repairs
        if any(e.kind is EventKind.REOPENED and e.data.get("rework") for e in h.events)
    ]
    with_resident = [h for h in resolved if h.reporter_kind is ReporterKind.RESIDENT]
    answered = [h for h in with_resident if h.has(EventKind.CONFIRMED)]
    stars = [e.data["stars"] for h in histories for e in h.events if e.kind is EventKind.RATED]
    escalations = Counter(
        str(e.reason) for h in histories for e in h.events if e.kind is EventKind.ESCALATED
    )
    repeats = sum(1 for h in histories for e in h.events if e.kind is EventKind.REPEAT_COMPLAINT)
    return Figures(
        cases=len(histories),
        acknowledge_on_time=_on_time(
            histories, DeadlineKind.ACKNOWLEDGE, EventKind.ACKNOWLEDGED, as_of
        ),
        on_site_on_time=_on_time(histories, DeadlineKind.ON_SITE, EventKind.ON_SITE, as_of),
        handling=Rate(len(resolved), len(histories)),
        re_repair=Rate(len(reworked), len(repairs)),
        callback=Rate(len(answered), len(with_resident)),
        average_satisfaction=sum(stars) / len(stars) if stars else None,
        ratings=len(stars),
        repeat_complaints=repeats,
        escalations_by_reason=dict(escalations),
        cases_by_category=dict(Counter(str(h.category) for h in histories)),
    )


def _merged_away(history: _History) -> bool:
    return any(e.kind is EventKind.MERGED and "into" in e.data for e in history.events)
