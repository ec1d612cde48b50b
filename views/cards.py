"""A case as staff see it: the card text and the buttons its state allows.

One card per case per group, edited in place as the case moves, so a group's
history stays readable and the buttons on screen are always the live ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from views.callbacks import data
from views.i18n import Markup, Translator
from views.lengths import MAX_TEXT, cut_html, cut_text, units
from workflow.actions import Action, staff_actions
from workflow.decisions.guards import staff_roles_for
from workflow.directory import Person
from workflow.model import (
    Actor,
    Case,
    Category,
    DeadlineKind,
    Location,
    Severity,
    Status,
    Team,
)
from workflow.roles import Role

CODES: dict[Action, str] = {
    Action.ACKNOWLEDGE: "ack",
    Action.ON_SITE: "onsite",
    Action.CONTACTED: "contacted",
    Action.RESOLVE: "resolve",
    Action.ESCALATE: "escalate",
    Action.MESSAGE_RESIDENT: "msg",
    Action.RECLASSIFY: "reclass",
    Action.MERGE: "merge",
    Action.RETURN: "return",
    Action.DISMISS: "dismiss",
}
"""Each step's code in a card button's callback data (handlers/staff_actions.py)."""
FULL_TEXT = "full"  # the card's "full text" button: the whole description, in pieces
# A card shows this much of the description and of the result note (UTF-16
# units, as Telegram counts), so that with everything else it stays well
# inside a message's 4096.
DESCRIPTION_UNITS = 1500
NOTE_UNITS = 1000

ICONS = {
    Category.REPAIR: "🔧",
    Category.REPAIR_COMPLAINT: "🔧",
    Category.CLEANING: "🧹",
    Category.SECURITY: "🛡",
    Category.MANAGEMENT: "🏢",
    Category.ASSISTANCE: "🤝",
    Category.SITE_CONDITION: "📡",
}


# E.164 country calling codes of one and two digits; every other is three.
_ONE_DIGIT_CODES = frozenset({"1", "7"})
_TWO_DIGIT_RANGES: tuple[tuple[int, int], ...] = (
    *((20, 21), (27, 28), (30, 35), (36, 37), (39, 42), (43, 50), (51, 59)),
    *((60, 67), (81, 83), (84, 85), (86, 87), (90, 96), (98, 99)),
)
_TWO_DIGIT_CODES = frozenset(str(c) for low, high in _TWO_DIGIT_RANGES for c in range(low, high))


def mask_phone(phone: str | None) -> str:
    """A phone number as a group may see it: the country code and the last
    four digits (`+852 ****0002`). The whole number goes only to the staff
    member who acknowledges the case and to the manager, privately."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    if not digits:
        return "-"
    keep = 4 if len(digits) > 6 else min(2, len(digits) - 1)
    code = ""
    if (phone or "").lstrip().startswith("+") and len(digits) > 8:
        size = 1 if digits[:1] in _ONE_DIGIT_CODES else 2 if digits[:2] in _TWO_DIGIT_CODES else 3
        code, digits = "+" + digits[:size] + " ", digits[size:]
    return code + "****" + (digits[-keep:] if keep > 0 else "")


def where(location: Location, t: Translator) -> str:
    if location.unit:
        return t.home(location.building, location.unit)
    spot = location.area or location.floor or ""
    if not location.building:
        # A guard who answered "which block?" with a location: the pin says where.
        pinned = location.latitude is not None and location.longitude is not None
        return t.join(x for x in (t.raw("where.pin") if pinned else "", spot) if x) or "-"
    return t.raw("where.common", building=t.building(location.building), spot=spot)


def complained_team(team: Team, t: Translator) -> str:
    """The team a management complaint is about, as the resident chose it."""
    if team in (Team.REPAIR, Team.CLEANING, Team.SECURITY, Team.SERVICE):
        return t.raw("complained.team." + team)
    return t.raw("team." + team)


def map_url(location: Location) -> str | None:
    """A link to the spot on a map, when the reporter sent a location."""
    if location.latitude is None or location.longitude is None:
        return None
    return f"https://maps.google.com/?q={location.latitude:.6f},{location.longitude:.6f}"


def who(person: Person | None, t: Translator) -> str:
    if person is None:
        return t.raw("who.unknown")
    return person.name or t.raw("who.unknown")


def summary_line(case: Case, t: Translator) -> Markup:
    """`🔧 R2026-00001 · Repair · General`: the case in one line."""
    parts = [t("category." + case.category), t("severity." + case.severity)]
    if case.urgency is not None:
        parts.append(t("urgency." + case.urgency))
    return Markup(f"{ICONS[case.category]} <b>{case.ref}</b> · " + " · ".join(parts))


def taken_by_someone_else(case: Case, chat_id: int) -> bool:
    """A help request another guard took: in this guard's private chat it shows
    who took it, and no buttons."""
    return (
        case.category is Category.ASSISTANCE
        and chat_id > 0
        and case.acknowledged_by is not None
        and case.acknowledged_by != chat_id
    )


def card_text(case: Case, people: Mapping[int, Person], t: Translator, taken: bool = False) -> str:
    reporter = people.get(case.reporter_id or 0)
    lines: list[str] = [summary_line(case, t)]
    if case.repeat_count:
        # The count is of repeats: the first repeat is the second complaint.
        nth = t.ordinal(case.repeat_count + 1)
        lines.append(t("card.repeat", count=nth[:1].upper() + nth[1:]))
    lines.append(t("card.where", where=where(case.location, t)))
    url = map_url(case.location)
    if url is not None:
        lines.append(t("card.map", url=url))
    if case.category is Category.MANAGEMENT and case.about_team is not None:
        lines.append(t("card.about_team", team=complained_team(case.about_team, t)))
    if case.has_resident:
        home = t.home(reporter.building, reporter.unit) if reporter else "-"
        lines.append(t("card.resident", name=who(reporter, t), home=home))
    else:
        lines.append(t("card.guard", name=who(reporter, t)))
    lines.append(t("card.description", text=cut_text(case.description or "-", DESCRIPTION_UNITS)))
    if case.attachments:
        lines.append(t.count("card.attachments", len(case.attachments)))
    deadlines = [
        t("card.deadline", what=t("deadline." + kind), when=t.when(dl.due_at))
        for kind, dl in sorted(case.deadlines.items(), key=lambda item: item[1].due_at)
        if kind in (DeadlineKind.ACKNOWLEDGE, DeadlineKind.ON_SITE, DeadlineKind.RESOLVE)
    ]
    if deadlines:
        lines.append(Markup("⏱ " + " · ".join(deadlines)))
    lines.append(_status(case, people, t))
    if taken:
        lines.append(t("card.taken_by", name=who(people.get(case.acknowledged_by or 0), t)))
    # The description and the result note are cut above; whatever else is long
    # (a resident's name, an estate's spot names) must not make the card undeliverable.
    return cut_html("\n".join(lines), MAX_TEXT)


def moved_away(case: Case, role: Role | None) -> bool:
    """Whether the case left the group of `role` for good (reclassified to another
    team, or a site report the desk classified): its card there then says where
    it went, with no buttons. A case escalated past the group stays on its
    ladder: the core still takes the lower rungs' steps, so their card keeps
    the buttons that role may use, and its status line says where the case went."""
    if role is Role.FRONT_DESK:
        # The desk's own card (a site report, a case returned to it) is live
        # until the desk passes the case to a team's ladder.
        return role not in staff_roles_for(case)
    if role is None or role is case.rung or role in case.informed:
        return False
    return role not in staff_roles_for(case)


def group_card(
    case: Case,
    people: Mapping[int, Person],
    t: Translator,
    role: Role | None,
    taken: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A case's card as the group of `role` shows it: live, or where it went."""
    if moved_away(case, role):
        text = card_text(case, people, t) + "\n" + t("card.moved", to=t("role." + case.rung))
        return cut_html(text, MAX_TEXT), None
    text = card_text(case, people, t, taken=taken)
    return text, None if taken else card_buttons(case, t, role)


def is_shortened(case: Case) -> bool:
    """Whether the card shows only the start of the description (its full text
    is then one tap away, on the card's "full text" button)."""
    return units(case.description or "") > DESCRIPTION_UNITS


def _status(case: Case, people: Mapping[int, Person], t: Translator) -> str:
    rung = t("role." + case.rung)
    acker = who(people.get(case.acknowledged_by or 0), t)
    resolver = who(people.get(case.resolved_by or 0), t)
    match case.status:
        case Status.NEW | Status.REOPENED:
            text = t("status." + case.status, rung=rung)
        case Status.ACKNOWLEDGED:
            text = t("status.acknowledged", name=acker, when=_when(case.acknowledged_at, t))
        case Status.ON_SITE:
            text = t("status.on_site", name=acker, when=_when(case.on_site_at, t))
        case Status.RESOLVED:
            note = cut_text(case.resolution_note or "-", NOTE_UNITS)
            text = t("status.resolved", name=resolver, note=note)
        case Status.CLOSED:
            text = t("status.closed", reason=t("close." + (case.close_reason or "feedback")))
            if case.rating:
                text += " " + t("status.rating", stars="★" * case.rating)
        case Status.CANCELLED:
            text = t("status.cancelled")
        case Status.MERGED:
            text = t("status.merged")
    if case.is_open and case.rung is not case.first_handler:
        text += "\n" + t("status.escalated", rung=rung)
    return text


def _when(value: datetime | None, t: Translator) -> str:
    return t.when(value) if value else "-"


def card_viewer(case: Case, role: Role | None = None) -> Actor:
    """Whom a card's buttons are for: the holder of the role whose group it is
    posted to (the case's rung unless told otherwise), with the front desk,
    which sorts cases (reclassify, merge) from any team's card."""
    return Actor(user_id=None, roles=frozenset({role or case.rung, Role.FRONT_DESK}))


def card_buttons(
    case: Case, t: Translator, role: Role | None = None
) -> InlineKeyboardMarkup | None:
    """The buttons for what the core allows next (`staff_actions`), laid out
    as the group expects them."""
    viewer = card_viewer(case, role)
    # Only what the desk would accept now: a critical case's Resolve appears once
    # someone is on site and the resident was contacted, not as a prompt refused
    # after the note is typed.
    allowed = staff_actions(case, viewer)

    def button(key: str, action: Action) -> InlineKeyboardButton:
        return InlineKeyboardButton(t.raw(key), callback_data=data("c", CODES[action], case.id))

    def row(*keyed: tuple[str, Action]) -> None:
        shown = [button(key, action) for key, action in keyed if action in allowed]
        if shown:
            rows.append(shown)

    def full_text_row() -> None:
        if is_shortened(case):
            label = t.raw("button.full_text")
            rows.append([InlineKeyboardButton(label, callback_data=data("c", FULL_TEXT, case.id))])

    rows: list[list[InlineKeyboardButton]] = []
    if case.category is Category.SITE_CONDITION:
        if case.status is not Status.NEW:
            return None
        row(("button.classify", Action.RECLASSIFY))
        row(("button.duplicate", Action.MERGE), ("button.dismiss", Action.DISMISS))
        full_text_row()
        return InlineKeyboardMarkup(rows) if rows else None
    if case.category is Category.ASSISTANCE and case.rung is Role.GUARD:
        # A guard on patrol needs to take it, be there, be done: nothing more.
        if Action.ACKNOWLEDGE in allowed:
            row(("button.take_it", Action.ACKNOWLEDGE))
        else:
            row(("button.on_site", Action.ON_SITE), ("button.resolve", Action.RESOLVE))
        full_text_row()
        return InlineKeyboardMarkup(rows) if rows else None
    row(
        ("button.acknowledge", Action.ACKNOWLEDGE),
        ("button.on_site", Action.ON_SITE),
        ("button.resolve", Action.RESOLVE),
    )
    if not case.is_open:
        full_text_row()
        return InlineKeyboardMarkup(rows) if rows else None
    if case.severity is Severity.CRITICAL and case.resident_contacted_at is None:
        row(("button.contacted", Action.CONTACTED))
    row(("button.escalate", Action.ESCALATE), ("button.message_resident", Action.MESSAGE_RESIDENT))
    if Action.RECLASSIFY in allowed:
        row(("button.reclassify", Action.RECLASSIFY), ("button.merge", Action.MERGE))
    row(("button.return", Action.RETURN))
    full_text_row()
    return InlineKeyboardMarkup(rows) if rows else None
