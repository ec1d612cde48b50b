"""Duty and patrol rounds, as pure functions of the estate's shifts and scans."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image

from bot.estate import load_estate
from workflow.estate import Checkpoint, EstateConfig, PatrolConfig, PerLanguage, Shift
from workflow.roster import DutyRow, Scan, current_shift, on_duty, rounds

ROOT = Path(__file__).resolve().parent.parent
HKT = timedelta(hours=8)


def hk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - HKT


def estate(**changes: object) -> EstateConfig:
    base = load_estate(ROOT / "estate.toml")
    shifts = [
        Shift(
            id="day", name=PerLanguage.everywhere("day"), start=time(7), end=time(19), guards=[1, 2]
        ),
        Shift(
            id="night",
            name=PerLanguage.everywhere("night"),
            start=time(19),
            end=time(7),
            guards=[3],
        ),
    ]
    return base.model_copy(update={"shifts": shifts, **changes})


def test_the_night_shift_runs_over_midnight() -> None:
    config = estate()
    shift, began = current_shift(config.shifts, hk(3, 2), config.zone) or (None, None)
    assert shift is not None
    assert shift.id == "night"
    assert began == hk(2, 19)
    day, _ = current_shift(config.shifts, hk(3, 7), config.zone) or (None, None)
    assert day is not None
    assert day.id == "day"


def test_scheduled_guards_are_on_duty_unless_they_pressed_off() -> None:
    config = estate()
    rows = [DutyRow(2, False, hk(3, 8)), DutyRow(9, True, hk(3, 9))]

    now_on = on_duty(config, rows, hk(3, 10))

    assert set(now_on) == {1, 9}, "2 went off after the shift began; 9 came on by hand"
    assert set(on_duty(config, rows, hk(3, 20))) == {3, 9}


def test_a_round_is_done_late_or_missed() -> None:
    config = estate(
        checkpoints=[
            Checkpoint(id="a", name=PerLanguage.everywhere("A")),
            Checkpoint(id="b", name=PerLanguage.everywhere("B")),
            Checkpoint(id="c", name=PerLanguage.everywhere("C")),
        ],
        patrol=PatrolConfig(every=timedelta(minutes=60), grace=timedelta(minutes=15)),
    )
    scans = [Scan("a", 1, hk(3, 9, 10)), Scan("b", 1, hk(3, 10, 5))]

    [*_, nine, ten] = rounds(config, scans, hk(3, 10, 20))

    assert nine.start == hk(3, 9)
    assert [r.status for r in nine.results] == ["done", "late", "missed"]
    assert [r.status for r in ten.results] == ["pending", "done", "pending"]
    assert [p.checkpoint.id for p in nine.problems()] == ["b", "c"]


def test_the_checkpoint_codes_decode_to_the_bots_deep_links(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "checkpoints",
            "--out",
            str(tmp_path / "qr"),
            "--bot-username",
            "estate_desk_bot",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "ESTATE_CONFIG": str(ROOT / "estate.toml"),
        },
    )
    assert result.returncode == 0, result.stderr
    config = load_estate(ROOT / "estate.toml")
    for checkpoint in config.checkpoints:
        image = Image.open(tmp_path / "qr" / f"{checkpoint.id}.png")
        [code] = zxingcpp.read_barcodes(image)
        assert code.text == f"https://t.me/estate_desk_bot?start=cp-{checkpoint.id}"
        assert image.height > image.width, "the name is printed under the code"
    sheet = (tmp_path / "qr" / "checkpoints.html").read_text(encoding="utf-8")
    assert all(c.name.in_language("zh-Hant") in sheet for c in config.checkpoints)
