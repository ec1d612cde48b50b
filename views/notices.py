"""Notifications from the core, as the messages people read.

Pure: given a notification, the case and the people it mentions, return what
to send. Which chat and which language is the courier's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from views.callbacks import data
from views.cards import card_buttons, card_text, summary_line, who
from views.i18n import Markup, Translator
from workflow.directory import Person
from workflow.model import Case, Category
from workflow.notifications import NoticeKind, Notification

_DURATION = TypeAdapter(timedelta)
_TIME = TypeAdapter(datetime)


PHOTO, VOICE = "photo:", "voice:"


def photo_ref(file_id: str) -> str:
    return PHOTO + file_id


def voice_ref(file_id: str) -> str:
    return VOICE + file_id


@dataclass
class Outgoing:
    text: str
    buttons: InlineKeyboardMarkup | None = None
    attachments: list[str] = field(default_factory=list)  # "photo:<file id>", "voice:<id>"
    as_card: bool = False  # post as this chat's card for the case (edited in place later)
    reply_to_card: bool = False  # thread it under the case's card, where there is one


def fixed_buttons(case_id: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.raw("button.fixed"), callback_data=data("f", "fixed", case_id)
                ),
                InlineKeyboardButton(
                    t.raw("button.not_fixed"), callback_data=data("f", "notfixed", case_id)
                ),
            ]
        ]
    )


def star_buttons(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("★" * n, callback_data=data("f", "rate", case_id, n))
                for n in range(1, 6)
            ]
        ]
    )


def for_resident(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    ref = Markup(f"<b>{n.ref}</b>")
    match n.kind:
        case NoticeKind.FILED:
            text = t(
                "notice.filed",
                ref=ref,
                who=t("role." + p["rung"]),
                within=t.duration(_DURATION.validate_python(p["acknowledge_within"])),
            )
            if p.get("repeat_of"):
                text += "\n" + t("notice.filed.repeat", earlier=p["repeat_of"])
            return [Outgoing(text)]
        case NoticeKind.ACKNOWLEDGED:
            return [Outgoing(t("notice.acknowledged", ref=ref, name=_name(p, people, t)))]
        case NoticeKind.ON_SITE:
            return [Outgoing(t("notice.on_site", ref=ref, name=_name(p, people, t)))]
        case NoticeKind.ESCALATED_RESIDENT:
            return [
                Outgoing(t("notice.escalated." + p["reason"], ref=ref, to=t("role." + p["to"])))
            ]
        case NoticeKind.RESOLVED if case.category is Category.ASSISTANCE:
            return [Outgoing(t("notice.resolved.assistance", ref=ref), star_buttons(case.id))]
        case NoticeKind.RESOLVED:
            text = t("notice.resolved", ref=ref, note=p.get("note") or "-")
            return [
                Outgoing(
                    text, fixed_buttons(case.id, t), attachments=list(p.get("attachments", []))
                )
            ]
        case NoticeKind.FEEDBACK_REMINDER:
            return [Outgoing(t("notice.feedback_reminder", ref=ref), fixed_buttons(case.id, t))]
        case NoticeKind.CLOSED:
            return [Outgoing(t("notice.closed." + p["reason"], ref=ref))]
        case NoticeKind.REOPENED:
            return [Outgoing(t("notice.reopened", ref=ref))]
        case NoticeKind.MERGED:
            return [Outgoing(t("notice.merged", ref=ref, into=p["into"]))]
        case NoticeKind.RELAYED:
            return [Outgoing(t("notice.relayed", ref=ref, text=p["text"]))]
    return []  # nothing a resident needs to read (e.g. a staff-only notice)


def for_staff(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    ref = Markup(f"<b>{n.ref}</b>")
    card = Outgoing(card_text(case, people, t), card_buttons(case, t), as_card=True)
    match n.kind:
        case NoticeKind.NEW_CASE:
            card.attachments = list(case.attachments)
            card.attachments = list(case.attachments)
            if p.get("repeat_of"):
                return [Outgoing(t("staff.repeat_of", ref=ref, earlier=p["repeat_of"])), card]
            return [card]
        case NoticeKind.RESIDENT_CONTACT:
            resident = people.get(case.reporter_id or 0)
            home = f"{resident.building} {resident.unit}" if resident else "-"
            return [
                Outgoing(
                    t(
                        "contact.private",
                        ref=n.ref,
                        name=who(resident, t),
                        phone=(resident.phone if resident else None) or "-",
                        home=home,
                    )
                )
            ]
        case NoticeKind.RETURNED:
            return [
                Outgoing(
                    t(
                        "staff.returned",
                        ref=ref,
                        by=t("role." + p["from_role"]),
                        note=p.get("note") or "-",
                    )
                )
            ]
        case NoticeKind.INFORMED:
            text = t(
                "staff.informed",
                case=summary_line(case, t),
                rung=t("role." + p["rung"]),
                text=_short(case.description),
            )
            return [Outgoing(text, _message_button(case, t))]
        case NoticeKind.ESCALATED:
            overdue = p.get("overdue") or {}
            if overdue:
                missed = ", ".join(
                    t(
                        "staff.overdue",
                        what=t("deadline." + kind),
                        late=t.duration(timedelta(seconds=int(seconds))),
                    )
                    for kind, seconds in overdue.items()
                )
                reason = t(
                    "staff.escalated.missed", by=t("role." + p["from_role"]), missed=Markup(missed)
                )
            else:
                reason = t(
                    "staff.escalated.manual",
                    by=t("role." + p["from_role"]),
                    note=p.get("note") or "-",
                )
            return [Outgoing(t("staff.escalated", ref=ref, reason=Markup(reason))), card]
        case NoticeKind.ESCALATED_AWAY:
            return [
                Outgoing(
                    t(
                        "staff.escalated_away",
                        ref=ref,
                        to=t("role." + p["to"]),
                        reason=t("reason." + p["reason"]),
                    ),
                    reply_to_card=True,
                )
            ]
        case NoticeKind.REPEAT_COMPLAINT:
            text = t(
                "staff.repeat",
                ref=ref,
                count=p["count"],
                reason=t("reason." + p["reason"]),
                text=p.get("text") or "-",
            )
            return [Outgoing(text), card]
        case NoticeKind.WARNING:
            due = {kind: _TIME.validate_python(at) for kind, at in p["due"].items()}
            items = ", ".join(
                t("staff.due", what=t("deadline." + kind), when=t.when(at))
                for kind, at in due.items()
            )
            return [Outgoing(t("staff.warning", ref=ref, items=Markup(items)), reply_to_card=True)]
        case NoticeKind.REMINDER:
            return [
                Outgoing(
                    t("staff.reminder", ref=ref, case=summary_line(case, t)), reply_to_card=True
                )
            ]
        case NoticeKind.POOR_RATING:
            text = t("staff.poor_rating", ref=ref, stars=p["stars"])
            if p.get("comment"):
                text += "\n" + t("staff.comment", text=p["comment"])
            return [Outgoing(text)]
        case NoticeKind.RESULT_REPORT:
            return [
                Outgoing(
                    t(
                        "staff.result_report",
                        ref=ref,
                        note=p.get("note") or "-",
                        count=p.get("repeat_count", 1),
                    )
                )
            ]
        case NoticeKind.INFO_ADDED:
            return [
                Outgoing(
                    t("staff.info_added", ref=ref, text=p.get("text") or "-"),
                    attachments=list(p.get("attachments", [])),
                    reply_to_card=True,
                )
            ]
        case NoticeKind.CANCELLED:
            return [Outgoing(t("staff.cancelled", ref=ref), reply_to_card=True)]
        case NoticeKind.RECLASSIFIED:
            return [
                Outgoing(
                    t("staff.reclassified", ref=ref, to=t("role." + p["to"])), reply_to_card=True
                )
            ]
        case NoticeKind.CHANGED:
            events = ", ".join(t.raw("event." + e) for e in p["events"])
            by = people.get(p.get("by") or 0)
            return [
                Outgoing(
                    t(
                        "staff.feed",
                        ref=ref,
                        events=events,
                        by=who(by, t) if by else t.raw("who.system"),
                    )
                )
            ]
    return []


def _message_button(case: Case, t: Translator) -> InlineKeyboardMarkup | None:
    """Whoever is told of a resident's case can write to that resident."""
    if not case.has_resident:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.raw("button.message_resident"), callback_data=data("c", "msg", case.id)
                )
            ]
        ]
    )


def _name(params: Mapping[str, Any], people: Mapping[int, Person], t: Translator) -> str:
    return who(people.get(params.get("by") or 0), t)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
