"""When a case is late: the one home for "overdue" and "due next"."""

from __future__ import annotations

from datetime import datetime

from workflow.model import SERVICE_DEADLINES, Case


def is_overdue(case: Case, now: datetime) -> bool:
    """A service deadline (acknowledge, on site, resolve) has passed."""
    return any(dl.due_at < now for k, dl in case.deadlines.items() if k in SERVICE_DEADLINES)


def next_due(case: Case) -> datetime:
    """The earliest service deadline, or when the case was filed if it runs
    under none (what an overview sorts by)."""
    dues = [dl.due_at for k, dl in case.deadlines.items() if k in SERVICE_DEADLINES]
    return min(dues) if dues else case.created_at
