"""The pure rules of residents' opinion surveys: who may run one, how a
question is written, which residents a survey reaches and how its sample is
drawn, what a draft may not be, when the one reminder goes, and the tally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.own_words import own
from views.i18n import LANGUAGES
from workflow.directory import Person
from workflow.roles import Role
from workflow.surveys import (
    Answer,
    AudienceProblem,
    DraftProblem,
    Kind,
    Question,
    QuestionProblem,
    SurveyAudience,
    check_draft,
    choose,
    may_run,
    parse_audience,
    parse_question,
    reminder_time,
    sample_size,
    tally,
    toggled,
    valid_answer,
    words_of,
)

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
BUILDINGS = {"A", "B"}
# The words for "every resident", as the catalogues give them to the handler.
EVERYONE = frozenset(
    word
    for language in LANGUAGES
    for word in words_of(own(language).raw("survey.audience.everyone_words"))
)


def residents(count: int, building: str = "A", first: int = 1) -> list[Person]:
    return [
        Person(user_id=first + i, building=building, unit="3A", resident_status="approved")
        for i in range(count)
    ]


def test_only_the_front_desk_cs_supervisor_and_manager_run_surveys() -> None:
    assert may_run(frozenset({Role.FRONT_DESK}))
    assert may_run(frozenset({Role.CS_SUPERVISOR}))
    assert may_run(frozenset({Role.MANAGER, Role.RESIDENT}))
    assert not may_run(frozenset({Role.REPAIR_LEAD}))
    assert not may_run(frozenset({Role.RESIDENT}))


def test_a_question_is_written_with_its_kinds_sign_in_front() -> None:
    assert parse_question("* 大堂清潔嗎？") == Question(Kind.SCALE, "大堂清潔嗎？")
    assert parse_question("＊ 保安有禮嗎？") == Question(Kind.SCALE, "保安有禮嗎？")
    assert parse_question("? Best time | Morning | Evening") == Question(
        Kind.SINGLE, "Best time", ("Morning", "Evening")
    )
    assert parse_question("＋ 你用哪些設施｜會所｜泳池｜花園") == Question(
        Kind.MULTIPLE, "你用哪些設施", ("會所", "泳池", "花園")
    )
    assert parse_question("~ Anything else?") == Question(Kind.TEXT, "Anything else?")


def test_a_question_without_a_sign_or_a_choice_without_two_options_is_refused() -> None:
    assert parse_question("How clean is it?") is QuestionProblem.NO_SIGN
    assert parse_question("*   ") is QuestionProblem.EMPTY
    assert parse_question("? Which one | only") is QuestionProblem.OPTIONS
    assert parse_question("+ Which | a | a") is QuestionProblem.OPTIONS
    assert parse_question("? Which | " + " | ".join("abcdefghi")) is QuestionProblem.OPTIONS


def test_an_audience_is_everyone_some_buildings_a_proportion_or_a_number() -> None:
    assert parse_audience("all", BUILDINGS, EVERYONE) == SurveyAudience()
    assert parse_audience("全部", BUILDINGS, EVERYONE) == SurveyAudience()
    assert parse_audience("a, B", BUILDINGS) == SurveyAudience(frozenset({"A", "B"}))
    assert parse_audience("30%", BUILDINGS) == SurveyAudience(percent=30)
    assert parse_audience("A 30％", BUILDINGS) == SurveyAudience(frozenset({"A"}), percent=30)
    assert parse_audience("50", BUILDINGS) == SurveyAudience(count=50)
    assert parse_audience("100%", BUILDINGS) == SurveyAudience()


def test_a_sample_of_nothing_over_everyone_or_of_an_unknown_building_is_refused() -> None:
    assert parse_audience("0%", BUILDINGS) is AudienceProblem.SAMPLE_ZERO
    assert parse_audience("0", BUILDINGS) is AudienceProblem.SAMPLE_ZERO
    assert parse_audience("120%", BUILDINGS) is AudienceProblem.OVER_100
    assert parse_audience("Z 30%", BUILDINGS) is AudienceProblem.UNKNOWN_BUILDING
    assert parse_audience("30% 50", BUILDINGS) is AudienceProblem.NOT_UNDERSTOOD
    assert parse_audience("  ", BUILDINGS) is AudienceProblem.NOT_UNDERSTOOD


def test_a_proportion_rounds_half_up_and_never_to_nobody() -> None:
    assert sample_size(100, SurveyAudience(percent=30)) == 30
    assert sample_size(15, SurveyAudience(percent=30)) == 5  # 4.5 → 5
    assert sample_size(2, SurveyAudience(percent=1)) == 1
    assert sample_size(40, SurveyAudience(count=50)) == 40
    assert sample_size(40, SurveyAudience()) == 40


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    people = residents(60) + residents(40, "B", first=100)
    audience = SurveyAudience(percent=30)
    first = choose(people, audience, seed=7)
    assert len(first) == 30
    assert first == choose(list(reversed(people)), audience, seed=7)
    assert first != choose(people, audience, seed=8)
    assert len(set(first)) == 30


def test_a_sample_is_drawn_from_the_chosen_buildings_approved_residents_only() -> None:
    pending = Person(user_id=500, building="A", resident_status="pending")
    staff = Person(user_id=501, roles=[Role.FRONT_DESK])
    people = [*residents(10), *residents(10, "B", first=100), pending, staff]
    chosen = choose(people, SurveyAudience(frozenset({"B"}), count=4), seed=1)
    assert len(chosen) == 4
    assert all(100 <= uid < 110 for uid in chosen)
    assert choose(people, SurveyAudience(), seed=1) == [p.user_id for p in people[:20]]


def test_a_survey_without_questions_or_closing_in_the_past_is_not_sent() -> None:
    one = [Question(Kind.SCALE, "Clean?")]
    later = NOW + timedelta(days=3)
    assert check_draft("Lobby", [], later, NOW) is DraftProblem.NO_QUESTIONS
    assert check_draft("  ", one, later, NOW) is DraftProblem.NO_TITLE
    assert check_draft("Lobby", one, NOW - timedelta(minutes=1), NOW) is DraftProblem.IN_THE_PAST
    assert check_draft("Lobby", one, None, NOW) is DraftProblem.IN_THE_PAST
    assert check_draft("Lobby", one * 21, later, NOW) is DraftProblem.TOO_MANY
    assert check_draft("Lobby", one, later, NOW) is None


def test_the_one_reminder_goes_a_day_before_the_closing_or_half_way_in_a_short_survey() -> None:
    assert reminder_time(NOW, NOW + timedelta(days=7)) == NOW + timedelta(days=6)
    assert reminder_time(NOW, NOW + timedelta(hours=24)) == NOW + timedelta(hours=12)
    assert reminder_time(NOW, NOW + timedelta(minutes=30)) is None


def test_an_answer_must_fit_its_question() -> None:
    scale = Question(Kind.SCALE, "Clean?")
    single = Question(Kind.SINGLE, "When?", ("AM", "PM"))
    multiple = Question(Kind.MULTIPLE, "Which?", ("Gym", "Pool", "Garden"))
    assert valid_answer(scale, 5)
    assert not valid_answer(scale, 6)
    assert valid_answer(single, 1)
    assert not valid_answer(single, 2)
    assert valid_answer(multiple, [0, 2])
    assert valid_answer(multiple, [])
    assert not valid_answer(multiple, [3])
    assert toggled([0, 2], 2) == [0]
    assert toggled([0], 1) == [0, 1]


def test_the_tally_counts_each_answer_and_averages_the_scales() -> None:
    questions = [
        Question(Kind.SCALE, "Clean?"),
        Question(Kind.MULTIPLE, "Which?", ("Gym", "Pool")),
        Question(Kind.TEXT, "Else?"),
        Question(Kind.SCALE, "Polite?"),
    ]
    answers: dict[int, dict[int, Answer]] = {
        1: {0: 5, 1: [0, 1], 2: "More lights", 3: 4},
        2: {0: 3, 1: [1], 2: "", 3: 2},
        3: {0: 4},  # stopped after the first question
    }
    results = tally(questions, answers, invited=10, finished=2)
    clean, which, other, polite = results.tallies
    assert clean.counts == [0, 0, 1, 1, 1]
    assert clean.average == 4.0
    assert which.counts == [1, 2]
    assert which.answered == 2
    assert other.texts == ["More lights"]  # a skipped text is not an answer
    assert other.answered == 1
    assert polite.average == 3.0
    assert results.response_rate == 0.2
    assert results.started == 3
    assert results.satisfaction == (5 + 3 + 4 + 4 + 2) / 5
