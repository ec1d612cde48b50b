"""Surveys kept in SQLite: sent to a sample recorded with its seed, each
answer kept as it is given (a restart resumes at the next question), closed
and reminded by the sweep once each, and the figures `/report` reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bot.storage import SqliteStore
from tests.conftest import START
from workflow.bulletin_service import Bulletins
from workflow.clock import FakeClock
from workflow.directory import Person
from workflow.errors import InvalidCommand, NotAllowed
from workflow.model import Actor
from workflow.roles import Role
from workflow.survey_service import Draft, Surveys
from workflow.surveys import Answer, AnswerProblem, Kind, Question, SurveyAudience

DESK = Actor(900, frozenset({Role.FRONT_DESK}))
QUESTIONS = [
    Question(Kind.SCALE, "How clean is the lobby?"),
    Question(Kind.MULTIPLE, "Which do you use?", ("Gym", "Pool", "Garden")),
    Question(Kind.TEXT, "Anything else?"),
]


@asynccontextmanager
async def seeded(path: Path, count: int) -> AsyncIterator[SqliteStore]:
    """A store with `count` approved residents in block A and a front-desk clerk."""
    store = await SqliteStore(path).open()
    async with store.transaction() as tx:
        for i in range(count):
            person = Person(
                user_id=1000 + i, building="A", unit=f"{i}A", resident_status="approved"
            )
            await tx.save_person(person, START)
        await tx.save_person(Person(user_id=900, roles=[Role.FRONT_DESK]), START)
    try:
        yield store
    finally:
        await store.close()


async def queued(store: SqliteStore, survey_id: int, kind: str) -> list[int]:
    """Who the survey's own outbox holds an invitation or reminder for."""
    async with store.db.execute(
        "SELECT user_id FROM survey_sends WHERE survey_id = ? AND kind = ? "
        "AND outcome = 'pending' ORDER BY user_id",
        (survey_id, kind),
    ) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


def service(store: SqliteStore, clock: FakeClock, seed: int = 42) -> Surveys:
    return Surveys(store, clock, Bulletins(store, clock), seeds=lambda: seed)


def draft(clock: FakeClock, audience: SurveyAudience | None = None) -> Draft:
    return Draft(
        title="Lobby",
        questions=list(QUESTIONS),
        audience=audience or SurveyAudience(percent=30),
        anonymous=True,
        closes_at=clock.now() + timedelta(days=7),
    )


async def test_a_survey_is_queued_for_its_sample_once_each(tmp_path: Path) -> None:
    clock = FakeClock(START)
    async with seeded(tmp_path / "desk.sqlite3", 50) as store:
        survey = await service(store, clock).send(DESK, draft(clock))
        assert survey.seed == 42
        assert survey.invited == 15
        async with store.reading() as tx:
            again = await tx.survey(survey.id)
        invited = await queued(store, survey.id, "invite")
        assert len(invited) == 15
        assert len(set(invited)) == 15
        assert again is not None
        assert again.invited == 15
        assert again.seed == 42
        # The same seed over the same residents draws the same sample again.
        other = await service(store, clock).send(DESK, draft(clock))
        assert await queued(store, other.id, "invite") == invited


async def test_only_staff_who_run_surveys_send_one_and_an_empty_one_is_refused(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with seeded(tmp_path / "desk.sqlite3", 5) as store:
        surveys = service(store, clock)
        with pytest.raises(NotAllowed):
            await surveys.send(Actor(1000, frozenset({Role.RESIDENT})), draft(clock))
        empty = draft(clock)
        empty.questions = []
        with pytest.raises(InvalidCommand):
            await surveys.send(DESK, empty)
        nobody = draft(clock, SurveyAudience(frozenset({"B"})))
        with pytest.raises(InvalidCommand):
            await surveys.send(DESK, nobody)


async def test_answers_are_kept_one_at_a_time_and_a_restart_resumes_at_the_next_question(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "desk.sqlite3"
    async with seeded(path, 10) as store:
        survey = await service(store, clock).send(DESK, draft(clock, SurveyAudience()))
        surveys = service(store, clock)
        where = await surveys.answer(survey.id, 1000, 0, 4)
        assert where is not None
        assert where.at == 1
        where = await surveys.answer(survey.id, 1000, 1, [0, 2], move_on=False)
        assert where is not None
        assert where.at == 1
        stale = await surveys.answer(survey.id, 1000, 0, 1)
        assert stale is not None
        assert stale.problem is AnswerProblem.STALE

    async with SqliteStore(path) as store:
        surveys = service(store, clock)
        where = await surveys.position(survey.id, 1000)
        assert where is not None
        assert where.at == 1
        assert where.answers == {0: 4, 1: [0, 2]}
        await surveys.answer(survey.id, 1000, 1, [0, 2])
        done = await surveys.answer(survey.id, 1000, 2, "More lights")
        assert done is not None
        assert done.at is None
        again = await surveys.position(survey.id, 1000)
        assert again is not None
        assert again.problem is AnswerProblem.DONE
        outsider = await surveys.position(survey.id, 900)
        assert outsider is not None
        assert outsider.problem is AnswerProblem.NOT_INVITED
        _, results, _, people = await surveys.results(DESK, survey.id)
        assert results.finished == 1
        assert results.invited == 10
        assert results.tallies[0].counts == [0, 0, 0, 1, 0]
        assert results.tallies[2].texts == ["More lights"]
        assert people == {}  # anonymous: nobody named


async def test_the_sweep_reminds_once_then_closes_and_the_results_are_published_once(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with seeded(tmp_path / "desk.sqlite3", 4) as store:
        surveys = service(store, clock)
        survey = await surveys.send(DESK, draft(clock, SurveyAudience()))
        given: list[Answer] = [5, [1], ""]
        for question, answer in enumerate(given):
            await surveys.answer(survey.id, 1001, question, answer)
        assert await surveys.sweep() == 0
        with pytest.raises(InvalidCommand):  # results are published once it closed
            await surveys.publish(DESK, survey.id, {"en": "Lobby"}, None)
        clock.advance(timedelta(days=6, minutes=1))
        assert await surveys.sweep() == 1
        assert await surveys.sweep() == 0  # the reminder went once
        assert await queued(store, survey.id, "reminder") == [1000, 1002, 1003]
        clock.advance(timedelta(days=1))
        assert await surveys.sweep() == 1
        closed = await surveys.get(survey.id)
        assert closed is not None
        assert not closed.is_open
        late = await surveys.answer(survey.id, 1000, 0, 3)
        assert late is not None
        assert late.problem is AnswerProblem.CLOSED
        # Nothing more goes out once it closed: what was still waiting is cancelled.
        assert await queued(store, survey.id, "invite") == []
        assert await queued(store, survey.id, "reminder") == []
        async with store.reading() as tx:
            told = [n.notice for n in await tx.pending_notices(clock.now(), 100)]
        assert [(str(n.kind), n.user_id) for n in told[-1:]] == [("survey_closed", 900)]
        # Published once, to every resident, as a notice.
        bulletin = await surveys.publish(DESK, survey.id, {"en": "Lobby: 4.5"}, None)
        assert bulletin.audience.everyone
        again = await surveys.get(survey.id)
        assert again is not None
        assert again.bulletin_id == bulletin.id
        with pytest.raises(InvalidCommand):
            await surveys.publish(DESK, survey.id, {"en": "Lobby: 4.5"}, None)
        figures = await surveys.figures(START, clock.now() + timedelta(seconds=1))
        assert [s.id for s, _ in figures.closed] == [survey.id]
        assert figures.closed[0][1].response_rate == 0.25
        assert figures.trend[-1][1] == 5.0


async def test_two_people_pressing_publish_at_once_publish_the_results_once(
    tmp_path: Path,
) -> None:
    clock = FakeClock(START)
    async with seeded(tmp_path / "desk.sqlite3", 4) as store:
        surveys = service(store, clock)
        survey = await surveys.send(DESK, draft(clock, SurveyAudience()))
        await surveys.close(DESK, survey.id)
        outcomes = await asyncio.gather(
            surveys.publish(DESK, survey.id, {"en": "Lobby: 4.5"}, None),
            surveys.publish(DESK, survey.id, {"en": "Lobby: 4.5"}, None),
            return_exceptions=True,
        )
        published = [o for o in outcomes if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, InvalidCommand)]
        assert len(published) == 1, outcomes
        assert len(refused) == 1, outcomes
        async with store.reading() as tx:
            row = await tx.db.fetchone("SELECT count(*) FROM bulletins")
        assert row is not None
        assert row[0] == 1, "one notice, not two"
