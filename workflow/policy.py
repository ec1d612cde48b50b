"""The estate's rules in numbers: deadlines, windows, the routing table.

Built once at start-up from the validated TOML and passed to every decision;
the core never reads configuration itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from workflow.hours import ServiceHours
from workflow.model import Category, DeadlineKind, Severity, Urgency
from workflow.routing import RoutingTable

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def _by_severity(
    general: timedelta, major: timedelta, critical: timedelta
) -> dict[Severity, timedelta]:
    return {Severity.GENERAL: general, Severity.MAJOR: major, Severity.CRITICAL: critical}


@dataclass(frozen=True)
class Deadlines:
    """How long each step may take. `overrides` holds per category × severity
    exceptions, e.g. {(REPAIR, MAJOR): {ACKNOWLEDGE: 10 min}}."""

    acknowledge: Mapping[Severity, timedelta] = field(
        default_factory=lambda: _by_severity(30 * MINUTE, 15 * MINUTE, 5 * MINUTE)
    )
    resolve: Mapping[Severity, timedelta] = field(
        default_factory=lambda: _by_severity(24 * HOUR, 72 * HOUR, 24 * HOUR)
    )
    on_site_urgent_repair: timedelta = 30 * MINUTE
    on_site_normal_repair: timedelta = 24 * HOUR
    on_site_assistance: timedelta = 15 * MINUTE
    claim_assistance: timedelta = 15 * MINUTE  # a guard must take it, else the captain
    overrides: Mapping[tuple[Category, Severity], Mapping[DeadlineKind, timedelta]] = field(
        default_factory=dict
    )

    def for_case(
        self, category: Category, severity: Severity, urgency: Urgency | None
    ) -> dict[DeadlineKind, timedelta]:
        """The service deadlines a case of this kind runs under."""
        limits: dict[DeadlineKind, timedelta] = {
            DeadlineKind.ACKNOWLEDGE: self.acknowledge[severity],
            DeadlineKind.RESOLVE: self.resolve[severity],
        }
        if category is Category.REPAIR:
            limits[DeadlineKind.ON_SITE] = (
                self.on_site_urgent_repair
                if urgency is Urgency.URGENT
                else self.on_site_normal_repair
            )
        elif category is Category.ASSISTANCE:
            limits[DeadlineKind.ACKNOWLEDGE] = self.claim_assistance
            limits[DeadlineKind.ON_SITE] = self.on_site_assistance
        limits.update(self.overrides.get((category, severity), {}))
        return limits


@dataclass(frozen=True)
class Policy:
    routing: RoutingTable = field(default_factory=RoutingTable.default)
    deadlines: Deadlines = field(default_factory=Deadlines)
    warn_fraction: float = 0.8
    manager_reminder: timedelta = 30 * MINUTE
    repeat_window: timedelta = timedelta(days=7)
    # At most this many new cases from one resident in `filing_window` (0: no limit).
    filing_limit: int = 5
    filing_window: timedelta = HOUR
    feedback_reminder: timedelta = 24 * HOUR
    feedback_close: timedelta = 72 * HOUR
    # When each rung works (workflow/hours.py); the default is the wall clock.
    hours: ServiceHours = field(default_factory=ServiceHours)
    reference_prefixes: Mapping[Category, str] = field(
        default_factory=lambda: {
            Category.REPAIR: "R",
            Category.REPAIR_COMPLAINT: "RC",
            Category.CLEANING: "C",
            Category.SECURITY: "S",
            Category.MANAGEMENT: "M",
            Category.ASSISTANCE: "A",
            Category.SITE_CONDITION: "G",
        }
    )
