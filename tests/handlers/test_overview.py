"""The /overview lines a manager reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.overview import _line
from tests.case_states import filed
from tests.own_words import own
from views.i18n import LANGUAGES, Language
from workflow.deadlines import next_due


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_case_overdue_by_seconds_is_not_called_zero_minutes_overdue(language: Language) -> None:
    case = filed()
    t = own(language)
    line = _line(case, [], next_due(case) + timedelta(seconds=20), t)
    assert "⏰" in line
    assert "0 " not in line.replace(case.ref, ""), line
    assert t.duration(timedelta(minutes=1)) in line


def test_a_case_overdue_by_five_minutes_says_five_minutes() -> None:
    case = filed()
    line = _line(case, [], next_due(case) + timedelta(minutes=5, seconds=10), own("en"))
    assert "5 minutes overdue" in line
