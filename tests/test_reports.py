"""Reports: periods, the figures as text, the chart and the register."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.storage import PostgresStore, SqliteStore, Store, store_at
from tests.helpers import DeskDriver
from tests.workflow.test_figures import DEC_1, NOV_1, play_november
from views.i18n import Translator
from views.reports import REPORT_TEAMS, chart, cjk_font, figures_text, period_for, register
from workflow.clock import FakeClock
from workflow.figures import compute
from workflow.model import EventKind
from workflow.policy import Policy
from workflow.service import Desk

pytestmark = pytest.mark.engines  # the November figures: on both engines

HK = ZoneInfo("Asia/Hong_Kong")
NOW = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Hong Kong
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("today", "2026-11-18", "2026-11-19"),
        ("week", "2026-11-16", "2026-11-23"),
        ("", "2026-11-16", "2026-11-23"),
        ("month", "2026-11-01", "2026-12-01"),
        ("lastmonth", "2026-10-01", "2026-11-01"),
        ("2026-11-03 2026-11-05", "2026-11-03", "2026-11-06"),
    ],
)
def test_periods_are_whole_local_days(words: str, start: str, end: str) -> None:
    period = period_for(words, NOW, HK)
    assert period is not None
    assert period.start.astimezone(HK).strftime("%Y-%m-%d") == start
    assert period.end.astimezone(HK).strftime("%Y-%m-%d") == end


@pytest.mark.parametrize("words", ["yesterday", "2026-11-05 2026-11-01", "2026-13-01 x"])
def test_a_period_that_makes_no_sense_is_refused(words: str) -> None:
    assert period_for(words, NOW, HK) is None


@pytest.fixture
async def november(database: str | Path) -> Store:
    store = await store_at(database).open()
    clock = FakeClock()
    await play_november(DeskDriver(Desk(store, Policy(), clock), clock))
    return store


async def test_the_figures_read_as_the_office_writes_them(november: Store) -> None:
    async with november.transaction() as tx:
        events = await tx.events_of_cases_filed(NOV_1, DEC_1)
    text = figures_text(compute(events, DEC_1), Translator("zh-Hant", HK), "2026-11")
    await november.close()

    assert "接手準時率：60%（3/5）" in text
    assert "返修率：33%（1/3）" in text
    assert "平均滿意度：3.5/5（2 個評分）" in text


async def test_the_chart_is_a_phone_sized_png_with_a_cjk_font(november: Store) -> None:
    async with november.transaction() as tx:
        events = await tx.events_of_cases_filed(NOV_1, DEC_1)
    await november.close()
    by_team = {team: compute(events, DEC_1, team) for team in REPORT_TEAMS}
    weekly = [("11-02", compute(events, DEC_1)), ("11-09", compute(events, DEC_1))]

    png = chart(by_team, weekly, Translator("zh-Hant", HK))

    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (720, 960))
    assert cjk_font() is not None, "no CJK font: labels would be boxes (.ci/run installs one)"


async def test_the_register_has_a_row_per_case_and_every_event(november: Store) -> None:
    async with november.transaction() as tx:
        cases = await tx.cases_created_between(NOV_1, DEC_1)
        events = [e for c in cases for e in await tx.events_of_case(c.id)]
    await november.close()

    data = register(cases, events, {}, Translator("en", HK), with_phones=False)

    book = load_workbook(io.BytesIO(data))
    rows = list(book["Cases"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Reference", "Category", "Severity", "Urgency", "Status")
    assert "Phone" not in rows[0]
    assert [r[0] for r in rows[1:]] == [c.ref for c in cases]
    assert len(cases) == 6  # five counted in the figures, and the cancelled one
    rating = rows[0].index("Rating")
    rated = {r[0]: r[rating] for r in rows[1:]}
    assert sorted(int(str(v)) for v in rated.values() if v) == [2, 5]
    listed = [e for e in events if e.kind is not EventKind.REMINDED]  # counted on the case
    assert len(list(book["Events"].iter_rows())) == len(listed) + 1


async def _export_cli(store: Store, out: Path, *extra: str) -> tuple[str, list[tuple[object, ...]]]:
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        str(out),
        *extra,
        cwd=out.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            **(
                {"DATABASE_URL": store.url}
                if isinstance(store, PostgresStore)
                else {"DATABASE_PATH": store.path if isinstance(store, SqliteStore) else ""}
            ),
            "ESTATE_CONFIG": str(ROOT / "estate.toml"),
        },
    )
    said, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return said.decode(), list(load_workbook(out).worksheets[0].iter_rows(values_only=True))


async def test_the_register_exports_from_the_command_line(november: Store, tmp_path: Path) -> None:
    await november.close()
    said, rows = await _export_cli(november, tmp_path / "register.xlsx")
    assert "6 cases" in said
    assert len(rows) == 7
    assert rows[0][0] == "編號"


async def test_the_command_line_export_leaves_phones_out_unless_asked(
    november: Store, tmp_path: Path
) -> None:
    await november.close()
    phone = Translator("zh-Hant", HK).raw("register.col.phone")
    said, rows = await _export_cli(november, tmp_path / "plain.xlsx")
    assert phone not in rows[0]
    assert "without phone numbers" in said
    said, rows = await _export_cli(november, tmp_path / "phones.xlsx", "--with-phones")
    assert rows[0][-1] == phone
    assert "with phone numbers" in said


async def test_the_register_shows_each_deadline_and_whether_it_was_met(
    november: Store,
) -> None:
    async with november.transaction() as tx:
        cases = await tx.cases_created_between(NOV_1, DEC_1)
        events = [e for c in cases for e in await tx.events_of_case(c.id)]
    await november.close()

    data = register(cases, events, {}, Translator("en", HK), with_phones=False, as_of=DEC_1)

    rows = list(load_workbook(io.BytesIO(data))["Cases"].iter_rows(values_only=True))
    due, met = rows[0].index("Acknowledge by"), rows[0].index("Acknowledged in time")
    assert all(r[due] for r in rows[1:]), "every case was filed with an acknowledge deadline"
    marks = sorted(str(r[met]) for r in rows[1:] if r[met])
    assert marks.count("on time") == 3, "the same three the on-time rate counts (60 % of 5)"
    assert marks.count("late") == 3, "two late, and the cancelled one, never acknowledged"
