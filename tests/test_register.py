"""The case register as an office uses it in Excel: what each case was and
where, who reported it (a guard is not a resident), each deadline and whether
it was met, real dates in the estate's time, columns that fit, a frozen and
filterable header, reminders counted; and `python -m bot export` refusing
what it cannot do in one line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.case_states import T0
from tests.own_words import CHAN, LEO, PEOPLE, at_the_manager
from views.i18n import Translator
from views.reports import register
from workflow.directory import Person
from workflow.model import DeadlineKind, Event, EventKind, Location, ReporterKind
from workflow.roles import Role

ROOT = Path(__file__).resolve().parents[1]
GUARD = Person(user_id=2008, name="Gary Guard", roles=[Role.GUARD])


def english() -> Translator:
    from zoneinfo import ZoneInfo

    return Translator("en", ZoneInfo("Asia/Hong_Kong"))


def book_of(data: bytes) -> tuple[list[dict[str, object]], Worksheet, Worksheet]:
    book = load_workbook(io.BytesIO(data))
    cases, events = book["Cases"], book["Events"]
    assert isinstance(cases, Worksheet)
    assert isinstance(events, Worksheet)
    header, *rows = list(cases.iter_rows(values_only=True))
    return [dict(zip(map(str, header), row, strict=True)) for row in rows], cases, events


def test_the_register_says_what_where_who_and_each_deadline_met() -> None:
    story = at_the_manager()
    case = story.case
    due = case.deadlines[DeadlineKind.ACKNOWLEDGE].due_at
    reminders = [
        Event(case.id, EventKind.REMINDED, due + timedelta(minutes=10 * i)) for i in range(70)
    ]
    events = [
        *story.events,
        *reminders,
        Event(case.id, EventKind.ACKNOWLEDGED, due + timedelta(hours=12), actor_id=LEO.user_id),
    ]
    acknowledged = replace(case, acknowledged_at=due + timedelta(hours=12))
    data = register([acknowledged], events, PEOPLE, english(), False, as_of=due + timedelta(days=9))

    [row], cases, log = book_of(data)
    assert row["Description"] == "廚房水喉漏水"
    assert row["Location"] == "Block A, flat 12A"
    assert row["Urgency"] == "Urgent"
    assert row["Team"] == "Repair"
    assert row["Reported by"] == CHAN.name
    assert row["Reporter"] == "resident"
    assert row["Resident"] == CHAN.name
    assert row["Acknowledge by"] == due.astimezone(english().timezone).replace(tzinfo=None)
    assert row["Acknowledged in time"] == "late"
    assert row["Resolved in time"] == "late", "its deadline passed, not resolved"
    assert isinstance(row["Filed"], datetime), "a real Excel date"
    assert row["Filed"] == T0.astimezone(english().timezone).replace(tzinfo=None)
    assert row["Reminders"] == 70
    assert [r[2] for r in log.iter_rows(values_only=True)].count("reminded") == 0
    assert len(list(log.iter_rows())) <= len(story.events) + 2, "no row per reminder"

    assert cases.freeze_panes == "A2"
    assert cases.auto_filter.ref == cases.dimensions
    assert log.freeze_panes == "A2"
    header = [cell.value for cell in cases[1]]
    filed = cases.cell(row=2, column=header.index("Filed") + 1)
    assert filed.number_format == "yyyy-mm-dd hh:mm"
    widths = {c: d.width for c, d in cases.column_dimensions.items()}
    assert widths["A"] >= len(case.ref)
    assert max(widths.values()) <= 60


def test_a_guards_report_does_not_list_the_guard_as_the_resident() -> None:
    story = at_the_manager()
    by_guard = replace(
        story.case,
        reporter_id=GUARD.user_id,
        reporter_kind=ReporterKind.GUARD,
        reporter_unit=None,
        location=Location(building="A", area="lobby"),
    )
    people = {**PEOPLE, GUARD.user_id: GUARD}
    [row], _, _ = book_of(register([by_guard], story.events, people, english(), True))
    assert row["Reported by"] == "Gary Guard"
    assert row["Reporter"] == "guard"
    assert row["Resident"] is None, "an empty cell"
    assert row["Flat"] is None
    assert row["Phone"] is None
    assert row["Location"] == "Block A, common area: lobby"


def export(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(db),
        "ESTATE_CONFIG": str(ROOT / "estate.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", *args, "--out", str(db.parent / "out.xlsx")],
        cwd=db.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_export_refuses_a_missing_database_and_bad_dates_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    refused = {
        ("--from", "2026-11-01"): "--from needs --to too",
        ("--to", "2026-11-30"): "--to needs --from too",
        ("--from", "2026-11-31", "--to", "2026-12-01"): "--from '2026-11-31' is not a date",
        ("--from", "2026-11-01", "--to", "soon"): "--to 'soon' is not a date",
        ("--from", "2026-12-01", "--to", "2026-11-01"): "--from 2026-12-01 is after --to",
        (): "no database there",
    }
    for args, reason in refused.items():
        result = export(db, *args)
        assert result.returncode == 2, (args, result.stderr)
        (line,) = result.stderr.splitlines()
        assert line.startswith("estate-desk: export: "), line
        assert reason in line, (args, line)
        assert result.stdout == ""
    assert not db.exists(), "export never creates a database"
    assert not (tmp_path / "out.xlsx").exists()
