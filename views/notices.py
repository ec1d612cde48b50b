"""Notifications from the core, as the messages people read.

Pure: given a notification, the case and the people it mentions, return what
to send. Which chat and which language is the courier's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from views.callbacks import data
from views.cards import CODES, card_buttons, card_text, summary_line, who
from views.i18n import Markup, Translator
from views.promise import filed_text
from workflow.actions import Action, staff_actions
from workflow.directory import Person, e164
from workflow.model import Actor, Case, Category
from workflow.notifications import NoticeKind, Notification
from workflow.roles import Role

_DURATION = TypeAdapter(timedelta)
_TIME = TypeAdapter(datetime)


PHOTO, VOICE, PIN = "photo:", "voice:", "location:"


def photo_ref(file_id: str) -> str:
    return PHOTO + file_id


def pin_ref(latitude: float, longitude: float) -> str:
    """A map pin to send with a card: "location:<latitude>,<longitude>"."""
    return f"{PIN}{latitude:.6f},{longitude:.6f}"


def pin_of(attachment: str) -> tuple[float, float] | None:
    if not attachment.startswith(PIN):
        return None
    latitude, longitude = attachment.removeprefix(PIN).split(",")
    return float(latitude), float(longitude)


def voice_ref(file_id: str) -> str:
    return VOICE + file_id


@dataclass
class Outgoing:
    text: str
    buttons: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
    # "photo:<file id>", "voice:<id>", "location:<latitude>,<longitude>"
    attachments: list[str] = field(default_factory=list)
    as_card: bool = False  # post as this chat's card for the case (edited in place later)
    reply_to_card: bool = False  # thread it under the case's card, where there is one
    # Said by editing the chat's card of the case where it has one (the card shows
    # the change): posted only where there is none.
    or_card_edit: bool = False


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
            text = filed_text(
                t,
                ref=ref,
                who=t("role." + p["rung"]),
                now=case.created_at,
                acknowledge_by=p["acknowledge_by"],
                starts_at=p.get("starts_at"),
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
        case NoticeKind.RESOLVED if n.user_id != case.reporter_id:
            # A follower hears the result; the feedback is the reporter's to give.
            text = _filled(t, "notice.resolved.follower", "note", p.get("note"), ref=ref)
            return [Outgoing(text, attachments=list(p.get("attachments", [])))]
        case NoticeKind.RESOLVED if case.category is Category.ASSISTANCE:
            return [Outgoing(t("notice.resolved.assistance", ref=ref), star_buttons(case.id))]
        case NoticeKind.RESOLVED:
            text = _filled(t, "notice.resolved", "note", p.get("note"), ref=ref)
            return [
                Outgoing(
                    text, fixed_buttons(case.id, t), attachments=list(p.get("attachments", []))
                )
            ]
        case NoticeKind.CANCELLED:
            return [Outgoing(t("notice.cancelled.follower", ref=ref))]
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


StaffView = Callable[[Notification, Case, Mapping[int, Person], Translator], list[Outgoing]]


def for_staff(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    view = STAFF_VIEWS.get(n.kind)
    return view(n, case, people, t) if view else []


def _card(case: Case, people: Mapping[int, Person], t: Translator) -> Outgoing:
    return Outgoing(card_text(case, people, t), card_buttons(case, t), as_card=True)


def _ref(n: Notification) -> Markup:
    return Markup(f"<b>{n.ref}</b>")


def _new_case(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    card = _card(case, people, t)
    card.attachments = list(case.attachments)
    spot = case.location
    if spot.latitude is not None and spot.longitude is not None:
        # A guard's site report: a map pin under the card, besides the link on it.
        card.attachments.append(pin_ref(spot.latitude, spot.longitude))
    if n.params.get("repeat_of"):
        return [Outgoing(t("staff.repeat_of", ref=_ref(n), earlier=n.params["repeat_of"])), card]
    return [card]


def _resident_contact(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    resident = people.get(case.reporter_id or 0)
    home = t.home(resident.building, resident.unit) if resident else "-"
    text = t(
        "contact.private",
        ref=n.ref,
        name=who(resident, t),
        # E.164, as registered; a number stored before that is shown the same way.
        phone=e164(resident.phone if resident else None) or "-",
        home=home,
    )
    return [Outgoing(text)]


def _returned(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    by = t("role." + p["from_role"])
    return [Outgoing(_filled(t, "staff.returned", "note", p.get("note"), ref=_ref(n), by=by))]


def _informed(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    text = t(
        "staff.informed",
        case=summary_line(case, t),
        rung=t("role." + n.params["rung"]),
        text=_short(case.description),
    )
    return [Outgoing(text, desk_buttons(case, t, n.role))]


def desk_buttons(case: Case, t: Translator, role: Role | None) -> InlineKeyboardMarkup | None:
    """The line a new case gets in the front desk's (or an informed supervisor's)
    group carries what that role may do from there: classify it (category,
    team, severity, urgency), merge it, dismiss it, write to the resident. The
    desk never has to join a team's group to sort a case."""
    allowed = staff_actions(case, Actor(user_id=None, roles=frozenset({role or Role.FRONT_DESK})))
    keyed = (
        ("button.reclassify", Action.RECLASSIFY),
        ("button.merge", Action.MERGE),
        ("button.dismiss", Action.DISMISS),
        ("button.message_resident", Action.MESSAGE_RESIDENT),
    )
    rows = [
        [InlineKeyboardButton(t.raw(key), callback_data=data("c", CODES[action], case.id))]
        for key, action in keyed
        if action in allowed
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def sorted_line(
    case: Case, how: str, by: Person | None, t: Translator, into: str | None = None
) -> str:
    """A desk line once its case is sorted (`how`: reclassified, merged or
    dismissed): what was done and by whom, edited over the line, which then
    carries no buttons. The first line shows the case as it is now."""
    return t(
        "desk.sorted." + how,
        case=summary_line(case, t),
        by=who(by, t),
        rung=t("role." + case.rung),
        into=into or "-",
        text=_short(case.description),
    )


def _escalated(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    by = t("role." + p["from_role"])
    overdue = p.get("overdue") or {}
    if overdue:
        missed = t.and_list(_late(t, kind, int(seconds)) for kind, seconds in overdue.items())
        reason = t("staff.escalated.missed", by=by, missed=Markup(missed))
    elif p.get("note"):
        reason = t("staff.escalated.manual", by=by, note=p["note"])
    else:
        reason = t("staff.escalated.asked", by=by)
    # One message: the new rung's card, headed by why it is theirs now.
    card = _card(case, people, t)
    card.text = t("staff.escalated", ref=_ref(n), reason=Markup(reason)) + "\n\n" + card.text
    return [card]


def _late(t: Translator, kind: str, seconds: int) -> str:
    """What was missed, and by how long once that is a minute or more: the sweep
    usually finds a deadline on the second, and "late by 0 minutes" says nothing."""
    what = t("deadline." + kind)
    if seconds < 60:
        return what
    return t("staff.overdue", what=what, late=t.duration(timedelta(seconds=seconds)))


def _escalated_away(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    text = t(
        "staff.escalated_away",
        ref=_ref(n),
        to=t("role." + p["to"]),
        reason=t("reason." + p["reason"]),
    )
    # The rung below sees its card edited to say where the case went.
    return [Outgoing(text, reply_to_card=True, or_card_edit=True)]


def _filled(t: Translator, key: str, field: str, value: Any, **params: Any) -> str:
    """The message with what the person wrote, or its `.bare` form without that
    field when they wrote nothing: never a bare "Result: -"."""
    if value is None or not str(value).strip():
        return t(key + ".bare", **params)
    return t(key, **{field: value}, **params)


def _rung_skipped(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    text = t(
        "staff.rung_skipped",
        ref=_ref(n),
        rung=t.raw("role." + str(p["from_role"])),
        to=t.raw("role." + str(p["to"])),
    )
    return [Outgoing(text)]


def _repeat_complaint(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    # A case filed as a repeat of an earlier one carries neither a count nor a
    # reason (it is the first repeat, of a complaint); a complaint made again on
    # the same case carries both.
    text = _filled(
        t,
        "staff.repeat",
        "text",
        p.get("text"),
        ref=_ref(n),
        # The count is of repeats; the resident's complaint is one more: the first
        # repeat is the second complaint.
        count=t.ordinal(int(p.get("count") or max(case.repeat_count, 1)) + 1),
        reason=t("reason." + str(p.get("reason") or "repeat_complaint")),
    )
    return [Outgoing(text), _card(case, people, t)]


def _warning(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    due = {kind: _TIME.validate_python(at) for kind, at in n.params["due"].items()}
    items = t.join(
        t("staff.due", what=t("deadline." + kind), when=t.when(at)) for kind, at in due.items()
    )
    return [Outgoing(t("staff.warning", ref=_ref(n), items=Markup(items)), reply_to_card=True)]


def _reminder(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    text = t("staff.reminder", ref=_ref(n), case=summary_line(case, t))
    return [Outgoing(text, reply_to_card=True)]


def reminders(cases: list[Case], t: Translator) -> list[Outgoing]:
    """Several reminders due at once for one group or person: one message,
    a line for each case."""
    lines = [t("staff.reminders", count=len(cases))]
    lines += ["• " + summary_line(case, t) for case in cases]
    return [Outgoing("\n".join(lines))]


def _poor_rating(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    text = t("staff.poor_rating", ref=_ref(n), stars=p["stars"])
    if p.get("comment"):
        text += "\n" + t("staff.comment", text=p["comment"])
    return [Outgoing(text)]


def _result_report(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    text = t.count(
        "staff.result_report", int(p.get("repeat_count", 1)), ref=_ref(n), note=p.get("note") or "-"
    )
    return [Outgoing(text)]


def _info_added(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    return [
        Outgoing(
            _filled(t, "staff.info_added", "text", p.get("text"), ref=_ref(n)),
            attachments=list(p.get("attachments", [])),
            reply_to_card=True,
        )
    ]


def _cancelled(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    return [Outgoing(t("staff.cancelled", ref=_ref(n)), reply_to_card=True)]


def _reclassified(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    if n.params["to"] == n.role:  # it stays here: the card is redrawn, this says why
        return [
            Outgoing(t("staff.reclassified.here", case=summary_line(case, t)), reply_to_card=True)
        ]
    text = t("staff.reclassified", ref=_ref(n), to=t("role." + n.params["to"]))
    return [Outgoing(text, reply_to_card=True)]


def _changed(
    n: Notification, case: Case, people: Mapping[int, Person], t: Translator
) -> list[Outgoing]:
    p = n.params
    happened = set(p["events"])
    by = people.get(p.get("by") or 0)
    name = who(by, t) if by else t.raw("who.system")
    if "repeat_complaint" in happened:
        # "Not fixed" and "complain again" change several things at once (reopened,
        # counted as a repeat, passed up): the desk reads them as one sentence.
        key = "staff.feed.again"
        if "confirmed" in happened:
            key = "staff.feed.not_fixed"
        elif "reopened" in happened:
            key = "staff.feed.again_reopened"
        to = t("role." + (p.get("to") or case.rung))
        return [Outgoing(t(key, ref=_ref(n), by=name, to=to))]
    shown = [
        e for e in p["events"] if not (e == "confirmed" and case.category is Category.ASSISTANCE)
    ]
    events = t.and_list(_feed_event(e, p, case, t) for e in shown)
    return [Outgoing(t("staff.feed", ref=_ref(n), events=events, by=name))]


def _feed_event(kind: str, p: Mapping[str, Any], case: Case, t: Translator) -> str:
    """One change as the desk's feed says it: whom it went to, the stars given.
    (A help request's one-tap rating is its confirmation: said once, as the rating.)"""
    if kind == "confirmed":
        return t.raw("feed.confirmed")
    if kind == "rated" and case.rating:
        return t.raw("feed.rated", stars="★" * case.rating)
    if kind == "escalated" and p.get("to"):
        return t.raw("feed.escalated", to=t.raw("role." + p["to"]))
    return t.raw("event." + kind)


STAFF_VIEWS: dict[NoticeKind, StaffView] = {
    NoticeKind.NEW_CASE: _new_case,
    NoticeKind.RESIDENT_CONTACT: _resident_contact,
    NoticeKind.RETURNED: _returned,
    NoticeKind.INFORMED: _informed,
    NoticeKind.ESCALATED: _escalated,
    NoticeKind.ESCALATED_AWAY: _escalated_away,
    NoticeKind.REPEAT_COMPLAINT: _repeat_complaint,
    NoticeKind.WARNING: _warning,
    NoticeKind.REMINDER: _reminder,
    NoticeKind.POOR_RATING: _poor_rating,
    NoticeKind.RESULT_REPORT: _result_report,
    NoticeKind.RUNG_SKIPPED: _rung_skipped,
    NoticeKind.INFO_ADDED: _info_added,
    NoticeKind.CANCELLED: _cancelled,
    NoticeKind.RECLASSIFIED: _reclassified,
    NoticeKind.CHANGED: _changed,
}


def _name(params: Mapping[str, Any], people: Mapping[int, Person], t: Translator) -> str:
    return who(people.get(params.get("by") or 0), t)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
