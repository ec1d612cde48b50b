"""What a person or group is told that belongs to no case: patrol alerts, the
shift handover, the weekly summary, a registration to approve and its answer.

Pure, like notices.py: the kind and its facts in, the message in the reader's
language out, rendered when it is delivered (so each recipient reads it in
their own language).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from views.bulletins import incident_closed, incident_known, incident_update
from views.cards import mask_phone
from views.i18n import Translator
from views.keyboards import inline, main_menu
from views.lengths import pack_lines
from views.notices import Outgoing
from views.surveys import closed_note
from workflow.notifications import Announcement

REJECT_REASONS = ("unit", "details", "other")
PATROL_ICONS = {"done": "✅", "late": "⏰", "missed": "❌", "pending": "…"}


View = Callable[[Mapping[str, Any], Translator], list[Outgoing]]


def for_announcement(
    kind: Announcement, params: Mapping[str, Any], t: Translator
) -> list[Outgoing]:
    return VIEWS[kind](params, t)


def _patrol_alert(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    if "problems" in p:
        items = " · ".join(
            f"{PATROL_ICONS[status]} {t.checkpoint(c)}" for status, c in p["problems"]
        )
    else:  # an alert queued before alerts carried checkpoint ids: its names as written
        items = p["items"]
    return [Outgoing(t("patrol.alert", start=p["start"], end=p["end"], items=items))]


def _handover(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    # Shift and checkpoint ids (or, in a handover queued before ids, their names:
    # an unknown id is shown as it is).
    missed = [t.checkpoint(c) for c in p["missed"]]
    lines = [
        t("handover.title", old=t.shift(p["old"]), new=t.shift(p["new"])),
        _counted("handover.help", p["help"], t, "refs"),
        _counted("handover.reports", p["reports"], t, "refs"),
        _counted("handover.missed", missed, t, "names"),
    ]
    lines += [t("handover.note", name=name, text=text) for name, text in p["notes"]]
    # A long shift log goes in as many messages as Telegram's limit needs.
    return [Outgoing(text) for text in pack_lines(lines)]


def _counted(key: str, items: list[str], t: Translator, listed: str) -> str:
    """ "漏巡：2（A座天台、B座停車場）", or "漏巡：沒有" rather than "0（-）"."""
    if not items:
        return t(key + ".none")
    return t(key, count=len(items), **{listed: t.join(items)})


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
        building=t.building(p["building"]),
        unit=p["unit"],
        phone=mask_phone(p.get("phone")),  # the card is the front desk group's to read
    )
    return [Outgoing(text, keyboard)]


def _registration_decided(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    if p["approved"]:
        return [Outgoing(t("register.approved"), main_menu(t))]
    reason = t.raw("button.reject." + (p.get("reason") or "other"))
    return [Outgoing(t("register.rejected", reason=reason))]


def _delivery_resumed(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    since = datetime.fromisoformat(p["since"])
    return [Outgoing(t("delivery.resumed", since=t.when(since), text=p["error"]))]


def _group_lost(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    roles = t.join(t.raw("role." + r) for r in p["roles"])
    reason = t.raw("group.lost.reason." + str(p.get("reason") or "removed"))
    return [Outgoing(t("group.lost", group=p["title"] or "-", roles=roles, reason=reason))]


def _group_back(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    roles = t.join(t.raw("role." + r) for r in p["roles"])
    return [Outgoing(t("group.back", group=p["title"] or "-", roles=roles))]


def _rungs_unseen(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    roles = t.join(t.raw("role." + r) for r in p["roles"])
    return [Outgoing(t("rungs.unseen", roles=roles))]


VIEWS: dict[Announcement, View] = {
    Announcement.PATROL_ALERT: _patrol_alert,
    Announcement.HANDOVER: _handover,
    Announcement.WEEKLY_SUMMARY: _weekly_summary,
    Announcement.APPROVAL_REQUEST: _approval_request,
    Announcement.REGISTRATION_DECIDED: _registration_decided,
    Announcement.DELIVERY_RESUMED: _delivery_resumed,
    Announcement.GROUP_LOST: _group_lost,
    Announcement.GROUP_BACK: _group_back,
    Announcement.INCIDENT_KNOWN: incident_known,
    Announcement.INCIDENT_UPDATE: incident_update,
    Announcement.INCIDENT_CLOSED: incident_closed,
    Announcement.RUNGS_UNSEEN: _rungs_unseen,
    Announcement.SURVEY_CLOSED: closed_note,
}
