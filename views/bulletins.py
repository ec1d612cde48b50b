"""Notices to residents and known incidents, as each reader sees them: a
resident's copy of a notice (and its correction or withdrawal), the author's
progress line, the list of current notices, and the staff's incident card.
Pure: facts in, text in the reader's language out."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from views.i18n import Translator
from views.keyboards import inline
from views.notices import Outgoing
from workflow.bulletins import Bulletin, BulletinStatus, Outcome, SendKind
from workflow.incidents import EVERY_BUILDING, Incident

SNIPPET = 60


def _body(bulletin: Bulletin, t: Translator) -> str:
    return html.escape(bulletin.text_for(t.language), quote=False)


def bulletin_text(bulletin: Bulletin, kind: SendKind, t: Translator) -> str:
    when = t.when(bulletin.send_at)
    if kind is SendKind.CORRECTION:
        return t("bulletin.correction", when=when) + "\n\n" + _body(bulletin, t)
    if kind is SendKind.WITHDRAWAL:
        return t("bulletin.withdrawn", when=when)
    return t("bulletin.heading", when=when) + "\n\n" + _body(bulletin, t)


def progress_line(bulletin: Bulletin, counts: Mapping[str, int], t: Translator) -> str:
    total = sum(counts.values())
    waiting = counts.get(Outcome.PENDING, 0) + counts.get(Outcome.SENDING, 0)
    line = t(
        "bulletin.progress",
        number=bulletin.id,
        sent=counts.get(Outcome.SENT, 0),
        total=total,
        failed=counts.get(Outcome.FAILED, 0),
        blocked=counts.get(Outcome.BLOCKED, 0),
    )
    if counts.get(Outcome.UNSURE, 0):
        line += "\n" + t("bulletin.progress.unsure", count=counts[Outcome.UNSURE])
    if bulletin.status is BulletinStatus.SCHEDULED:
        line += "\n" + t("bulletin.progress.scheduled", when=t.when(bulletin.send_at))
    elif bulletin.status is BulletinStatus.WITHDRAWN:
        line += "\n" + t("bulletin.progress.withdrawn")
    elif waiting == 0 and bulletin.status is BulletinStatus.SENT:
        line += "\n" + t("bulletin.progress.done")
    return line


def audience_text(bulletin_audience: Any, t: Translator) -> str:
    if bulletin_audience.everyone:
        return t.raw("bulletin.audience.everyone")
    parts = [
        t.raw("bulletin.audience.building", building=t.building(b))
        for b in sorted(bulletin_audience.buildings)
    ]
    floors: dict[str, list[int]] = {}
    for building, floor in sorted(bulletin_audience.floors):
        floors.setdefault(building, []).append(floor)
    parts += [
        t.raw(
            "bulletin.audience.floors",
            building=t.building(b),
            floors=t.join(str(f) for f in fs),
        )
        for b, fs in floors.items()
    ]
    return t.join(parts)


def received_list(bulletins: list[Bulletin], t: Translator) -> str:
    """A resident's current notices, newest first."""
    if not bulletins:
        return t("bulletin.none")
    parts = [t("bulletin.list.title")]
    for bulletin in bulletins:
        heading = (
            t("bulletin.list.corrected", when=t.when(bulletin.send_at))
            if bulletin.corrected_at
            else t("bulletin.list.item", when=t.when(bulletin.send_at))
        )
        parts.append(heading + "\n" + _body(bulletin, t))
    return "\n\n".join(parts)


def staff_list(bulletins: list[Bulletin], t: Translator) -> Outgoing:
    """The author's recent notices, each with Correct and Withdraw."""
    if not bulletins:
        return Outgoing(t("bulletin.staff.none"))
    lines = [t("bulletin.staff.title")]
    rows = []
    for bulletin in bulletins:
        text = bulletin.text_for(t.language).replace("\n", " ")
        snippet = text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")
        lines.append(
            t(
                "bulletin.staff.item",
                number=bulletin.id,
                when=t.when(bulletin.send_at),
                status=t.raw("bulletin.status." + bulletin.status),
                text=snippet,
            )
        )
        rows.append(
            [
                (
                    t.raw("button.bulletin.correct", number=bulletin.id),
                    "b",
                    "correct",
                    bulletin.id,
                    "",
                ),
                (
                    t.raw("button.bulletin.withdraw", number=bulletin.id),
                    "b",
                    "withdraw",
                    bulletin.id,
                    "",
                ),
            ]
        )
    return Outgoing("\n".join(lines), inline(rows))


# --- incidents ------------------------------------------------------------------------------


def buildings_text(buildings: list[str] | frozenset[str], t: Translator) -> str:
    if EVERY_BUILDING in buildings:
        return t.raw("incident.everywhere")
    return t.join(t.building(b) for b in sorted(buildings))


def incident_card(incident: Incident, t: Translator) -> str:
    lines = [
        t(
            "incident.card.title",
            number=incident.id,
            category=t.raw("category." + incident.category),
            buildings=buildings_text(incident.buildings, t),
        ),
        t("incident.card.what", text=incident.description),
        t("incident.card.since", when=t.when(incident.declared_at)),
    ]
    if incident.expected_end is not None:
        lines.append(t("incident.card.until", when=t.when(incident.expected_end)))
    if incident.last_update:
        lines.append(t("incident.card.update", text=incident.last_update))
    lines.append(t("incident.card.linked", count=incident.linked))
    if incident.closed_at is not None:
        lines.append(t("incident.card.closed", when=t.when(incident.closed_at)))
    else:
        lines.append(t("incident.card.help", number=incident.id))
    return "\n".join(lines)


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _known_lines(p: Mapping[str, Any], t: Translator) -> list[str]:
    lines = [t("incident.known.what", text=p["description"])]
    since = _time(p.get("since"))
    if since is not None:
        lines.append(t("incident.known.since", when=t.when(since)))
    until = _time(p.get("expected_end"))
    lines.append(
        t("incident.known.until", when=t.when(until)) if until else t("incident.known.no_end")
    )
    return lines


def incident_known(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    where = (
        t.building(p["building"])
        if p.get("building")
        else buildings_text(p.get("buildings", []), t)
    )
    lines = [t("incident.known.title", category=t.raw("category." + p["category"]), where=where)]
    lines += _known_lines(p, t)
    if p.get("update"):
        lines.append(t("incident.known.update", text=p["update"]))
    lines.append(t("incident.known.linked"))
    separate = inline([[(t.raw("button.incident.separate"), "n", "separate", p["incident"], "")]])
    return [Outgoing("\n".join(lines), separate)]


def incident_update(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    lines = [
        t("incident.update.title", text=p["description"]),
        t("incident.update.text", text=p["text"]),
    ]
    until = _time(p.get("expected_end"))
    if until:
        lines.append(t("incident.known.until", when=t.when(until)))
    return [Outgoing("\n".join(lines))]


def incident_closed(p: Mapping[str, Any], t: Translator) -> list[Outgoing]:
    lines = [t("incident.closed.title", text=p["description"])]
    if p.get("text"):
        lines.append(t("incident.update.text", text=p["text"]))
    lines.append(t("incident.closed.again"))
    return [Outgoing("\n".join(lines))]
