"""Service hours in estate.toml: defaults, overrides, and mistakes named by field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.estate import ConfigError, load_estate
from workflow.roles import Role

MINIMAL = 'name = "Test Estate"\n[[buildings]]\nid = "A"\nunits = ["1A"]\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_team_can_be_given_its_own_week_and_the_estate_its_own_closure_days(
    tmp_path: Path,
) -> None:
    text = (
        MINIMAL
        + """
[hours]
country = "TW"
closed = [2026-11-03]
[hours.cleaning]
week = [{ days = ["mon", "wed"], spans = ["06:00-10:00", "14:00-18:00"] }]
[hours.repair]
around_the_clock = true
"""
    )
    hours = load_estate(write(tmp_path, text)).policy().hours
    cleaning = hours.role_calendar(Role.CLEANING_LEAD)
    monday_noon = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # 12:00 in Hong Kong
    assert cleaning.next_open(monday_noon) == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    # Tuesday is not worked, Tuesday 3 November closed anyway: Wednesday 06:00.
    assert cleaning.next_open(datetime(2026, 11, 2, 10, 0, tzinfo=UTC)) == datetime(
        2026, 11, 3, 22, 0, tzinfo=UTC
    )
    assert hours.role_calendar(Role.REPAIR_LEAD).around_the_clock


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ('[hours]\ncountry = "JP"', "hours.country", "Input should be"),
        ('[hours]\nsubdivision = "XX"', "hours", "has no subdivision"),
        (
            '[hours.cleaning]\nweek = [{ days = "mon-fri", spans = ["7-16"] }]',
            "hours.cleaning.week.0.spans",
            "is not a span",
        ),
        (
            '[hours.office]\nweek = [{ days = "fri-mon", spans = ["09:00-18:00"] }]',
            "hours.office.week.0.days",
            "runs backwards",
        ),
        (
            '[hours.repair]\nweek = [{ days = "mon", spans = ["18:00-08:00"] }]',
            "hours.repair.week.0.spans",
            "ends before it starts",
        ),
        ("[hours.security]\nweek = []", "hours.security", "give `week`"),
        ('[hours]\nquiet = "late"', "hours.quiet", "not a span"),
        ('[hours]\nclosed = ["soon"]', "hours.closed.0", "Input should be"),
    ],
)
def test_a_bad_hours_value_names_its_field(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_estate(write(tmp_path, MINIMAL + text))
    message = str(error.value)
    assert f": {field}:" in message, message
    assert reason in message
