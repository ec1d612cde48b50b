"""What a person or group is told that belongs to no case: patrol alerts, the
shift handover, the weekly summary, a registration to approve and its answer.

Pure, like notices.py: the kind and its facts in, the message in the reader's
language out, rendered when it is delivered (so each recipient reads it in
their own language).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from views.bulletins import incident_closed, incident_known, incident_update
from views.i18n import Translator
from views.keyboards import inline, main_menu
from views.notices import Outgoing
from workflow.notifications import Announcement

REJECT_REASONS = ("unit", "details", "other")


View = Callable[[Mapping[str, Any], Translator], list[Outgoing]]


def for_announcement(
    kind: Announcement, params: Mapping[str, Any], t: Translator
) -> list[Outgoing]:
    return VIEWS[kind](params, t)


def _patrol_alert(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    return [Outgoing(t("patrol.alert", start=p["start"], end=p["end"], items=p["items"]))]


def _handover(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    lines = [
        t("handover.title", old=p["old"], new=p["new"]),
        t("handover.help", count=len(p["help"]), refs=t.join(p["help"]) or "-"),
        t("handover.reports", count=len(p["reports"]), refs=t.join(p["reports"]) or "-"),
        t("handover.missed", count=len(p["missed"]), names=t.join(p["missed"]) or "-"),
    ]
    lines += [t("handover.note", name=name, text=text) for name, text in p["notes"]]
    return [Outgoing("\n".join(lines))]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _weekly_summary(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    lines = [
        t("summary.title", week=p["week"]),
        t(
            "summary.line",
            what=t.raw("chart.ack"),
            now=_pct(p["ack"][0]),
            before=_pct(p["ack"][1]),
        ),
        t(
            "summary.line",
            what=t.raw("chart.handling"),
            now=_pct(p["handling"][0]),
            before=_pct(p["handling"][1]),
        ),
        t("summary.cases", now=p["cases"][0], before=p["cases"][1]),
    ]
    lines += [
        t("summary.overdue", ref=ref, rung=t.raw("role." + rung)) for ref, rung in p["overdue"]
    ]
    return [Outgoing("\n".join(lines))]


def _approval_request(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    user_id = p["user_id"]
    keyboard = inline(
        [
            [(t.raw("button.approve"), "a", "ok", user_id, "")],
            [(t.raw("button.reject." + r), "a", "no", user_id, r) for r in REJECT_REASONS],
        ]
    )
    text = t(
        "approval.card",
        name=p["name"],
        building=p["building"],
        unit=p["unit"],
        phone=p.get("phone") or "-",
    )
    return [Outgoing(text, keyboard)]


def _registration_decided(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    if p["approved"]:
        return [Outgoing(t("register.approved"), main_menu(t))]
    reason = t.raw("button.reject." + (p.get("reason") or "other"))
    return [Outgoing(t("register.rejected", reason=reason))]


VIEWS: dict[Announcement, View] = {
    Announcement.PATROL_ALERT: _patrol_alert,
    Announcement.HANDOVER: _handover,
    Announcement.WEEKLY_SUMMARY: _weekly_summary,
    Announcement.APPROVAL_REQUEST: _approval_request,
    Announcement.REGISTRATION_DECIDED: _registration_decided,
    Announcement.INCIDENT_KNOWN: incident_known,
    Announcement.INCIDENT_UPDATE: incident_update,
    Announcement.INCIDENT_CLOSED: incident_closed,
}
