"""Whatever a resident types (HTML, Markdown, emoji, zero-width and
right-to-left marks) reaches staff exactly as typed: the card is HTML that
Telegram accepts, and its visible text holds the description and the
resident's name verbatim. Tried with hypothesis, in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.fake_telegram.html_check import html_to_text
from views.cards import card_text
from views.i18n import LANGUAGES, Translator
from workflow import commands as cmd
from workflow import decisions
from workflow.directory import Person
from workflow.errors import InvalidCommand
from workflow.model import Actor, Category, Location
from workflow.policy import Policy
from workflow.roles import Role

TRICKY = "<>&\"'*_`[]()~|#\\\u200b\u200c\u200d\u202e\u202c\u2066\u2069\ufeff💧👩‍🔧🇭🇰漏水"
free_text = st.text(
    alphabet=st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=("Cs", "Cc"))),
    min_size=1,
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(description=free_text, name=free_text, language=st.sampled_from(sorted(LANGUAGES)))
def test_any_text_reaches_staff_verbatim(description: str, name: str, language: str) -> None:
    resident = Person(user_id=7, name=name, building="A", unit="3B", resident_status="approved")
    try:
        decision = decisions.file_case(
            cmd.FileCase(
                actor=Actor(7, frozenset({Role.RESIDENT})),
                category=Category.CLEANING,
                description=description,
                location=Location("A", "3B"),
                reporter_unit=Location("A", "3B"),
            ),
            case_id=1,
            ref="C2026-00001",
            now=datetime(2026, 11, 2, 9, tzinfo=UTC),
            policy=Policy(),
        )
    except InvalidCommand:
        assert not description.strip(), "only an empty description is refused"
        return
    case = decision.case
    t = Translator(language, ZoneInfo("Asia/Hong_Kong"))  # type: ignore[arg-type]
    shown = html_to_text(card_text(case, {7: resident}, t))  # raises if Telegram would refuse
    assert case.description in shown
    assert name.strip() in shown


@pytest.mark.parametrize("length", [decisions.MAX_TEXT, decisions.MAX_TEXT + 1, 10_000])
def test_descriptions_longer_than_the_limit_are_refused_not_cut(length: int) -> None:
    command = cmd.FileCase(
        actor=Actor(7, frozenset({Role.RESIDENT})),
        category=Category.CLEANING,
        description="x" * length,
        location=Location("A", "3B"),
    )
    filing = {
        "case_id": 1,
        "ref": "C2026-00001",
        "now": datetime(2026, 11, 2, 9, tzinfo=UTC),
        "policy": Policy(),
    }
    if length <= decisions.MAX_TEXT:
        assert decisions.file_case(command, **filing).case.description == "x" * length  # type: ignore[arg-type]
    else:
        with pytest.raises(InvalidCommand):
            decisions.file_case(command, **filing)  # type: ignore[arg-type]
