"""Residents' opinion surveys as the shell uses them: send one (its sample
drawn and kept with it), record each answer as it is given, close it and send
its one reminder when the sweep finds them due, read its results, publish its
summary as a notice, and the figures `/report` shows. Each change and what it
tells whom commit together (the invitations ride the outbox)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from workflow.bulletin_service import Bulletins
from workflow.bulletin_service import Draft as NoticeDraft
from workflow.bulletins import Audience, Bulletin
from workflow.clock import Clock
from workflow.directory import Person
from workflow.errors import DomainError, InvalidCommand, NotAllowed
from workflow.model import Actor
from workflow.notifications import Announcement, Notice
from workflow.ports import ShellStore, ShellTransaction
from workflow.surveys import (
    Answer,
    AnswerProblem,
    DraftProblem,
    Kind,
    Question,
    Results,
    SendKind,
    Status,
    Survey,
    SurveyAudience,
    check_draft,
    choose,
    may_run,
    reminder_time,
    sample_size,
    tally,
    valid_answer,
)


@dataclass
class Draft:
    title: str = ""
    questions: list[Question] = field(default_factory=list)
    audience: SurveyAudience = field(default_factory=SurveyAudience)
    anonymous: bool = True
    closes_at: datetime | None = None


class SurveyMissing(DomainError):
    code = "survey_missing"


@dataclass(frozen=True)
class Position:
    """Where a resident is in a survey: the question to answer next (None when
    every question is answered) and what they answered so far."""

    survey: Survey
    at: int | None
    answers: dict[int, Answer]
    problem: AnswerProblem | None = None


@dataclass(frozen=True)
class SurveyFigures:
    """The surveys that closed in a period, and the trend before it."""

    closed: list[tuple[Survey, Results]]
    trend: list[tuple[Survey, float | None]]  # recent closed surveys' satisfaction, oldest first


def _new_seed() -> int:
    return secrets.randbelow(2**31)


class Surveys:
    def __init__(
        self,
        store: ShellStore,
        clock: Clock,
        bulletins: Bulletins,
        seeds: Callable[[], int] = _new_seed,
    ) -> None:
        self.store = store
        self.clock = clock
        self.bulletins = bulletins
        self.seeds = seeds

    # --- writing and sending -------------------------------------------------------------------

    def problem(self, draft: Draft) -> DraftProblem | None:
        return check_draft(draft.title, draft.questions, draft.closes_at, self.clock.now())

    async def reach(self, audience: SurveyAudience) -> tuple[int, int]:
        """How many residents the audience covers today, and how many it would be sent to."""
        async with self.store.reading() as tx:
            pool = [p for p in await tx.residents() if audience.reaches(p)]
        return len(pool), sample_size(len(pool), audience)

    async def send(self, actor: Actor, draft: Draft) -> Survey:
        _authorised(actor)
        now = self.clock.now()
        problem = self.problem(draft)
        if problem is not None:
            raise InvalidCommand(f"the survey is not ready: {problem}", problem=problem)
        assert draft.closes_at is not None
        assert actor.user_id is not None
        seed = self.seeds()
        async with self.store.transaction() as tx:
            people = choose(await tx.residents(), draft.audience, seed)
            if not people:
                raise InvalidCommand("the audience is empty", problem=DraftProblem.NOBODY)
            survey = Survey(
                id=0,
                author_id=actor.user_id,
                title=draft.title.strip(),
                questions=tuple(draft.questions),
                audience=draft.audience,
                anonymous=draft.anonymous,
                seed=seed,
                created_at=now,
                closes_at=draft.closes_at,
                remind_at=reminder_time(now, draft.closes_at),
            )
            survey.id = await tx.add_survey(survey)
            # The sample is kept with the survey, with one invitation to send to each
            # of them, in one transaction: a restart resumes the same list.
            await tx.add_invites(survey.id, people, now)
            await tx.add_survey_sends(survey.id, people, SendKind.INVITE, now)
            survey.invited = len(people)
        return survey

    # --- reading --------------------------------------------------------------------------------

    async def recent(self, actor: Actor, limit: int = 5) -> list[Survey]:
        _authorised(actor)
        async with self.store.reading() as tx:
            return await tx.recent_surveys(limit)

    async def get(self, survey_id: int) -> Survey | None:
        async with self.store.reading() as tx:
            return await tx.survey(survey_id)

    async def results(
        self, actor: Actor, survey_id: int
    ) -> tuple[Survey, Results, dict[int, dict[int, Answer]], dict[int, Person]]:
        """The survey, its tally, each respondent's answers and (unless it is
        anonymous) who they are."""
        _authorised(actor)
        async with self.store.reading() as tx:
            survey = await _existing(tx, survey_id)
            answers = await tx.survey_answers(survey_id)
            people: dict[int, Person] = {}
            if not survey.anonymous:
                for user_id in answers:
                    person = await tx.person(user_id)
                    if person is not None:
                        people[user_id] = person
        results = tally(survey.questions, answers, survey.invited, survey.finished)
        return survey, results, answers, people

    # --- closing, reminding, publishing --------------------------------------------------------

    async def close(self, actor: Actor, survey_id: int) -> Survey:
        _authorised(actor)
        async with self.store.transaction() as tx:
            survey = await _existing(tx, survey_id)
            if survey.is_open:
                await self._close(tx, survey)
        return survey

    async def _close(self, tx: ShellTransaction, survey: Survey) -> None:
        now = self.clock.now()
        survey.status = Status.CLOSED
        survey.closed_at = now
        await tx.save_survey(survey)
        await tx.cancel_survey_sends(survey.id, now)
        await tx.enqueue_notices(
            [
                Notice(
                    kind=Announcement.SURVEY_CLOSED,
                    user_id=survey.author_id,
                    params={
                        "survey": survey.id,
                        "title": survey.title,
                        "invited": survey.invited,
                        "finished": survey.finished,
                    },
                )
            ],
            now,
        )

    async def sweep(self) -> int:
        """Close the surveys whose time is up and queue the reminders that are
        due (each once: the survey row says it was queued). Returns how many
        surveys changed."""
        now = self.clock.now()
        async with self.store.reading() as tx:
            closing = await tx.surveys_due(now)
            reminding = await tx.reminders_due(now)
        if not closing and not reminding:
            return 0
        async with self.store.transaction() as tx:
            for survey in reminding:
                if survey.id in {s.id for s in closing}:
                    continue
                survey.reminded_at = now
                await tx.save_survey(survey)
                waiting = await tx.unfinished_invites(survey.id)
                await tx.add_survey_sends(survey.id, waiting, SendKind.REMINDER, now)
            for survey in closing:
                await self._close(tx, survey)
        return len(closing) + len(reminding)

    async def publish(
        self, actor: Actor, survey_id: int, texts: dict[str, str], attachment: str | None
    ) -> Bulletin:
        """The summary, in each language, as a notice to every resident (the
        seed's "results published to all residents"): once, after the closing."""
        _authorised(actor)
        # Read, checked, published and marked in one unit of work: two people
        # pressing Publish at once publish it once (the second is told it was).
        async with self.store.transaction() as tx:
            survey = await tx.survey(survey_id)
            if survey is None:
                raise SurveyMissing(f"no survey {survey_id}", survey_id=survey_id)
            if survey.is_open:
                raise InvalidCommand(
                    "a survey's results are published once it closed", problem="open"
                )
            if survey.bulletin_id is not None:
                raise InvalidCommand("the results were published already", problem="published")
            bulletin = await self.bulletins.publish_in(
                tx, actor, NoticeDraft(texts=texts, attachment=attachment, audience=Audience())
            )
            survey.bulletin_id = bulletin.id
            await tx.save_survey(survey)
        return bulletin

    # --- the resident's side -----------------------------------------------------------------

    async def position(self, survey_id: int, user_id: int) -> Position | None:
        async with self.store.reading() as tx:
            survey = await tx.survey(survey_id)
            if survey is None:
                return None
            return await _position(tx, survey, user_id)

    async def waiting_for_text(self, user_id: int) -> Position | None:
        """The open survey whose current question for this resident is a free
        text, if any: what they type next is its answer (read from the database,
        so it holds across a restart)."""
        async with self.store.reading() as tx:
            for survey_id, _at in await tx.open_invites_of(user_id):
                survey = await tx.survey(survey_id)
                if survey is None:
                    continue
                where = await _position(tx, survey, user_id)
                current = survey.questions[where.at] if where.at is not None else None
                if where.problem is None and current is not None and current.kind is Kind.TEXT:
                    return where
        return None

    async def answer(
        self, survey_id: int, user_id: int, question: int, answer: Answer, move_on: bool = True
    ) -> Position | None:
        """Record one answer (a multiple choice's picks so far with `move_on`
        False) and, with `move_on`, go on to the next question. A press on a
        question that is not the current one changes nothing."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            survey = await tx.survey(survey_id)
            if survey is None:
                return None
            where = await _position(tx, survey, user_id)
            if where.problem is not None:
                return where
            if where.at != question:
                return Position(survey, where.at, where.answers, AnswerProblem.STALE)
            if not valid_answer(survey.questions[question], answer):
                return Position(survey, where.at, where.answers, AnswerProblem.INVALID)
            await tx.save_answer(survey_id, user_id, question, answer, now)
            answers = {**where.answers, question: answer}
            at: int | None = question
            if move_on:
                at = question + 1 if question + 1 < len(survey.questions) else None
                await tx.advance(survey_id, user_id, at, now if at is None else None)
            if at is None:
                survey.finished += 1
        return Position(survey, at, answers)

    # --- figures -----------------------------------------------------------------------------

    async def figures(self, start: datetime, end: datetime, trend: int = 6) -> SurveyFigures:
        async with self.store.reading() as tx:
            closed = await tx.surveys_closed_between(start, end)
            before = await tx.surveys_closed_before(end, trend)
            results = []
            for survey in closed:
                answers = await tx.survey_answers(survey.id)
                results.append(
                    (survey, tally(survey.questions, answers, survey.invited, survey.finished))
                )
            line = []
            for survey in before:
                answers = await tx.survey_answers(survey.id)
                figures = tally(survey.questions, answers, survey.invited, survey.finished)
                line.append((survey, figures.satisfaction))
        return SurveyFigures(results, line)


async def _position(tx: ShellTransaction, survey: Survey, user_id: int) -> Position:
    invite = await tx.survey_invite(survey.id, user_id)
    if invite is None:
        return Position(survey, None, {}, AnswerProblem.NOT_INVITED)
    at, finished = invite
    answers = await tx.answers_of(survey.id, user_id)
    if finished:
        return Position(survey, None, answers, AnswerProblem.DONE)
    if not survey.is_open:
        return Position(survey, None, answers, AnswerProblem.CLOSED)
    return Position(survey, at, answers)


async def _existing(tx: ShellTransaction, survey_id: int) -> Survey:
    survey = await tx.survey(survey_id)
    if survey is None:
        raise SurveyMissing(f"no survey {survey_id}", survey_id=survey_id)
    return survey


def _authorised(actor: Actor) -> None:
    if actor.user_id is None or not may_run(actor.roles):
        raise NotAllowed("only the front desk, the cs supervisor or the manager run surveys")


__all__ = ["Draft", "Kind", "Position", "SurveyFigures", "SurveyMissing", "Surveys"]
