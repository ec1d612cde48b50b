"""What residents and staff read of a survey: the invitation in each language,
one question's buttons, the results, the summary published to everyone (free
texts counted, never quoted) and the .xlsx (nobody named in an anonymous one)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from telegram import InlineKeyboardMarkup

from views.i18n import Translator
from views.surveys import (
    invite_message,
    question_keyboard,
    results_text,
    summary_texts,
    workbook,
)
from workflow.directory import Person
from workflow.surveys import (
    Answer,
    Kind,
    Question,
    SendKind,
    Survey,
    SurveyAudience,
    tally,
)

ZONE = ZoneInfo("Asia/Hong_Kong")
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
QUESTIONS = (
    Question(Kind.SCALE, "How clean is the lobby?"),
    Question(Kind.MULTIPLE, "Which do you use?", ("Gym", "Pool")),
    Question(Kind.TEXT, "Anything else?"),
)
ANSWERS: dict[int, dict[int, Answer]] = {
    7: {0: 2, 1: [1], 2: "The lift in Block B is slow"},
    3: {0: 5, 1: [0, 1], 2: ""},
}


def survey(anonymous: bool = True) -> Survey:
    return Survey(
        id=4,
        author_id=40,
        title="Lobby",
        questions=QUESTIONS,
        audience=SurveyAudience(percent=30),
        anonymous=anonymous,
        seed=1,
        created_at=NOW,
        closes_at=NOW + timedelta(days=7),
        remind_at=None,
        invited=6,
        finished=2,
    )


def t(language: str) -> Translator:
    return Translator(language, ZONE)  # type: ignore[arg-type]


def test_the_invitation_reads_in_each_language_with_its_start_button() -> None:
    hant = invite_message(survey(), SendKind.INVITE, t("zh-Hant"))
    assert "住戶意見調查：Lobby" in hant.text
    assert "共 3 條問題" in hant.text
    assert "不記名" in hant.text
    assert isinstance(hant.buttons, InlineKeyboardMarkup)
    assert hant.buttons.inline_keyboard[0][0].callback_data == "v:go:4"
    hans = invite_message(survey(False), SendKind.REMINDER, t("zh-Hans"))
    assert "提醒：Lobby" in hans.text
    assert "实名" in hans.text
    en = invite_message(survey(), SendKind.INVITE, t("en"))
    assert "3 questions, open until 9 Nov 09:00" in en.text


def test_a_rating_has_five_buttons_and_a_multiple_choice_ticks_what_was_picked() -> None:
    rating = question_keyboard(survey(), 0, [], t("en"))
    assert [b.text for b in rating.inline_keyboard[0]] == ["1", "2", "3", "4", "5"]
    assert rating.inline_keyboard[0][4].callback_data == "v:a:4.0:5"
    picks = question_keyboard(survey(), 1, [1], t("zh-Hant"))
    labels = [row[0].text for row in picks.inline_keyboard]
    assert labels == ["Gym", "✅ Pool", "下一題 ➡️"]


def test_the_published_summary_counts_free_texts_but_never_quotes_them() -> None:
    results = tally(QUESTIONS, ANSWERS, invited=6, finished=2)
    staff = results_text(survey(), results, t("en"))
    assert "The lift in Block B is slow" in staff
    assert "Average 3.5 from 2 answers" in staff
    published = summary_texts(survey(), results, [t("en"), t("zh-Hant"), t("zh-Hans")])
    assert set(published) == {"en", "zh-Hant", "zh-Hans"}
    assert all("Block B is slow" not in text for text in published.values())
    assert "1 written answer\n" in published["en"] + "\n"
    assert "<b>" not in published["zh-Hant"]  # a notice's text is plain


def test_an_anonymous_workbook_names_nobody_and_a_named_one_names_each_respondent() -> None:
    results = tally(QUESTIONS, ANSWERS, invited=6, finished=2)
    people = {7: Person(user_id=7, name="Chan", building="A", unit="12A")}
    for anonymous in (True, False):
        data = workbook(survey(anonymous), results, ANSWERS, people, t("en"))
        rows = list(load_workbook(io.BytesIO(data)).worksheets[1].values)
        assert len(rows) == 3
        names = [cell for row in rows for cell in row if cell == "Chan"]
        assert bool(names) is not anonymous
    named = list(
        load_workbook(io.BytesIO(workbook(survey(False), results, ANSWERS, people, t("en"))))
        .worksheets[1]
        .values
    )
    assert named[0][:2] == ("Name", "Home")
    assert named[2][2:] == (2, "Pool", "The lift in Block B is slow")  # respondent 7
