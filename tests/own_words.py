"""An estate that uses its own words (a Taiwan-style office: 總幹事 for the manager,
保全 for the guards, 修繕 for repairs; buildings, shifts and checkpoints named in
each language), and the composed messages a resident, a guard and a supervisor
read, rendered with it: for the transcripts and the tests of the estate's names."""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from openpyxl import load_workbook

from tests.case_states import POLICY, T0
from tests.helpers import CS_SUPERVISOR, REPAIR_LEAD, RESIDENT
from views.announcements import for_announcement
from views.cards import card_text
from views.company import company_text
from views.i18n import Language, Translator, translator_for
from views.notices import Outgoing, for_resident, for_staff
from views.reports import figures_text, register
from workflow import commands as cmd
from workflow import decisions
from workflow.company import combine
from workflow.decisions import Decision
from workflow.directory import Person
from workflow.estate import EstateConfig
from workflow.figures import compute
from workflow.model import (
    Case,
    Category,
    CloseReason,
    EscalationReason,
    Event,
    EventKind,
    Location,
    Severity,
    Urgency,
)
from workflow.notifications import Announcement, NoticeKind, Notification
from workflow.roles import Role

OWN_WORDS_TOML = """
name = { zh-Hant = "海景花園", zh-Hans = "海景花园", en = "Harbour View Gardens" }

[[buildings]]
id = "A"
name = { zh-Hant = "A座", zh-Hans = "A座", en = "Block A" }
units = ["12A", "3B"]

[[buildings]]
id = "B"
name = "Harbour Tower"   # one name for every language
units = ["1A"]

[[buildings]]
id = "C"                 # no name: the catalogue's "C座" / "C栋" / "Block C"
units = ["1A"]

[[shifts]]
id = "day"
name = { zh-Hant = "日更", zh-Hans = "白班", en = "day shift" }
start = "07:00"
end = "19:00"

[[shifts]]
id = "night"
name = { zh-Hant = "夜更", zh-Hans = "夜班", en = "night shift" }
start = "19:00"
end = "07:00"

[[checkpoints]]
id = "A-lobby"
name = { zh-Hant = "A座大堂", zh-Hans = "A座大堂", en = "Block A lobby" }

[[checkpoints]]
id = "A-roof"
name = { zh-Hant = "A座天台", zh-Hans = "A座天台", en = "Block A roof" }

[[checkpoints]]
id = "B-carpark"
name = { zh-Hant = "B座停車場", zh-Hans = "B座停车场", en = "Block B car park" }

[names.roles.manager]
zh-Hant = "總幹事"
zh-Hans = "总干事"
en = "general manager"

[names.roles.guard]
zh-Hant = "保全"
zh-Hans = "保安员"
en = "security guard"

[names.categories.repair]
zh-Hant = "修繕"
zh-Hans = "维修"
en = "Repairs"
"""

OWN_WORDS = EstateConfig.model_validate(tomllib.loads(OWN_WORDS_TOML))
MANAGER_IS_CALLED = {"zh-Hant": "總幹事", "zh-Hans": "总干事", "en": "general manager"}
BLOCK_A_IS_CALLED = {"zh-Hant": "A座", "zh-Hans": "A座", "en": "Block A"}

CHAN = Person(user_id=1001, name="陳大文", building="A", unit="12A", phone="61234567")
LEO = Person(user_id=2001, name="Leo", roles=[Role.REPAIR_LEAD])
PEOPLE = {p.user_id: p for p in (CHAN, LEO)}  # RESIDENT and REPAIR_LEAD of tests.helpers
CHAN_HOME = Location(building="A", unit="12A", floor="12")


def own(language: Language) -> Translator:
    return translator_for(OWN_WORDS, language)


@dataclass
class Story:
    """A case after some steps, every event on the way, and what the last step told."""

    case: Case
    events: list[Event]
    told: list[Notification]

    def notice(self, kind: NoticeKind) -> Notification:
        return next(n for n in self.told if n.kind is kind)


def _story(first: Decision, *steps: cmd.CaseCommand, at: datetime = T0) -> Story:
    case, events, told = first.case, list(first.events), list(first.notifications)
    for step in steps:
        done = decisions.STEPS[type(step)](case, step, at, POLICY)
        case, told = done.case, list(done.notifications)
        events += done.events
    return Story(case, events, told)


def _filed(category: Category, severity: Severity, case_id: int) -> Decision:
    command = cmd.FileCase(
        RESIDENT,
        category,
        "廚房水喉漏水" if category is Category.REPAIR else "停車場閘門壞了",
        CHAN_HOME,
        severity=severity,
        urgency=Urgency.URGENT if category is Category.REPAIR else None,
        reporter_unit=CHAN_HOME,
    )
    ref = f"R2026-{case_id:05}"
    return decisions.file_case(command, case_id=case_id, ref=ref, now=T0, policy=POLICY)


def at_the_manager() -> Story:
    """A repair that climbed to the manager."""
    return _story(
        _filed(Category.REPAIR, Severity.GENERAL, 1),
        cmd.Escalate(REPAIR_LEAD, 1),
        cmd.Escalate(REPAIR_LEAD, 1),
        cmd.Escalate(CS_SUPERVISOR, 1),
        at=T0 + timedelta(minutes=40),
    )


def critical_filed() -> Story:
    """A critical complaint: the manager has it from the start."""
    return _story(_filed(Category.SECURITY, Severity.CRITICAL, 2))


def texts(outgoing: Sequence[Outgoing]) -> str:
    return "\n".join(o.text for o in outgoing)


def register_rows(t: Translator) -> list[tuple[object, ...]]:
    """The register of the repair at the manager, escalated once on a missed deadline
    and closed without feedback: its case rows, then its event rows."""
    story = at_the_manager()
    late = T0 + timedelta(minutes=31)
    events = [
        *story.events,
        Event(1, EventKind.ESCALATED, late, reason=EscalationReason.ACKNOWLEDGE_MISSED),
        Event(
            1, EventKind.RETURNED, late, actor_id=LEO.user_id, reason="not ours: the lift company"
        ),
        Event(1, EventKind.CLOSED, T0 + timedelta(days=3), reason=CloseReason.NO_FEEDBACK),
    ]
    data = register([story.case], events, PEOPLE, t, with_phones=False)
    book = load_workbook(io.BytesIO(data))
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


Scene = tuple[str, Callable[[Translator], str]]


def _resident_filed(t: Translator) -> str:
    story = critical_filed()
    return texts(for_resident(story.notice(NoticeKind.FILED), story.case, PEOPLE, t))


def _resident_escalated(t: Translator) -> str:
    story = at_the_manager()
    notice = story.notice(NoticeKind.ESCALATED_RESIDENT)
    return texts(for_resident(notice, story.case, PEOPLE, t))


def _manager_told(t: Translator) -> str:
    story = at_the_manager()
    return texts(for_staff(story.notice(NoticeKind.ESCALATED), story.case, PEOPLE, t))


def _missed_deadlines(t: Translator) -> str:
    story = at_the_manager()
    notice = Notification(
        NoticeKind.ESCALATED,
        story.case.id,
        story.case.ref,
        role=Role.MANAGER,
        params={
            "from_role": "cs_supervisor",
            "reason": "acknowledge_missed",
            "overdue": {"acknowledge": 60, "on_site": 300},
        },
    )
    return texts(for_staff(notice, story.case, PEOPLE, t)[:1])


def _card_with_one_photo(t: Translator) -> str:
    case = _filed(Category.REPAIR, Severity.GENERAL, 3).case
    case.attachments = ["photo:1"]
    return card_text(case, PEOPLE, t)


def _handover(t: Translator) -> str:
    facts = {
        "old": "day",
        "new": "night",
        "help": ["A2026-00007"],
        "reports": [],
        "missed": ["A-roof", "B-carpark"],
        "notes": [["Gus", "Lift 2 is noisy"]],
    }
    return texts(for_announcement(Announcement.HANDOVER, facts, t))


def _patrol_alert(t: Translator) -> str:
    problems = [["late", "A-roof"], ["missed", "B-carpark"]]
    facts = {"start": "09:00", "end": "10:00", "problems": problems}
    return texts(for_announcement(Announcement.PATROL_ALERT, facts, t))


def _weekly_summary(t: Translator) -> str:
    facts = {
        "week": "2026-10-26",
        "ack": [0.9, 0.8],
        "handling": [0.75, None],
        "cases": [1, 3],
        "overdue": [["R2026-00001", "manager"], ["R2026-00002", "guard"]],
    }
    return texts(for_announcement(Announcement.WEEKLY_SUMMARY, facts, t))


def _figures(t: Translator) -> str:
    story = at_the_manager()
    return figures_text(compute(story.events, T0 + timedelta(days=1)), t, "2026-11")


def _company_figures(t: Translator) -> str:
    story = at_the_manager()
    one = compute(story.events, T0 + timedelta(days=1))
    estates = [(t.estate_name(), one), (t.estate_name() + " II", one)]
    return company_text("Harbour", estates, combine([one, one]), t, "2026-11")


def _register(t: Translator) -> str:
    rows = register_rows(t)
    return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in rows)


SCENES: list[Scene] = [
    ("A resident files a critical complaint", _resident_filed),
    ("The resident is told the case went up", _resident_escalated),
    ("The manager's group: escalated, and the card", _manager_told),
    ("Missed deadlines, in a sentence", _missed_deadlines),
    ("A card with one photo", _card_with_one_photo),
    ("A guard's shift handover", _handover),
    ("The security captain's patrol alert", _patrol_alert),
    ("The weekly summary", _weekly_summary),
    ("The figures", _figures),
    ("The company's figures, estate by estate", _company_figures),
    ("The register (cases, then events)", _register),
]
