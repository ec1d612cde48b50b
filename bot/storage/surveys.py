"""Residents' opinion surveys: the survey, its sample (one invite row per
resident, with the question they answer next) and each answer as it is given."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.storage.rows import Row, Rows, parse_utc, utc_text
from workflow.bulletins import Outcome
from workflow.surveys import Answer, Question, SendKind, Status, Survey, SurveyAudience

DUE_NOW = "0001-01-01T00:00:00.000000Z"

_SURVEY_SQL = (
    "SELECT s.*, (SELECT count(*) FROM survey_invites i WHERE i.survey_id = s.id) AS invited, "
    "(SELECT count(*) FROM survey_invites i WHERE i.survey_id = s.id "
    "AND i.finished_at IS NOT NULL) AS finished FROM surveys s"
)


class SurveyTables(Rows):
    async def add_survey(self, survey: Survey) -> int:
        row = await self._one(
            "INSERT INTO surveys (author_id, title, body, anonymous, seed, status, created_at, "
            "closes_at, remind_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                survey.author_id,
                survey.title,
                _body(survey),
                int(survey.anonymous),
                survey.seed,
                str(survey.status),
                utc_text(survey.created_at),
                utc_text(survey.closes_at),
                _maybe(survey.remind_at),
            ),
        )
        assert row is not None
        return int(row[0])

    async def save_survey(self, survey: Survey) -> None:
        await self.db.execute(
            "UPDATE surveys SET status = ?, reminded_at = ?, closed_at = ?, bulletin_id = ? "
            "WHERE id = ?",
            (
                str(survey.status),
                _maybe(survey.reminded_at),
                _maybe(survey.closed_at),
                survey.bulletin_id,
                survey.id,
            ),
        )

    async def survey(self, survey_id: int) -> Survey | None:
        row = await self._one(_SURVEY_SQL + " WHERE s.id = ?", (survey_id,))
        return _survey(row) if row else None

    async def recent_surveys(self, limit: int) -> list[Survey]:
        rows = await self._all(_SURVEY_SQL + " ORDER BY s.id DESC LIMIT ?", (limit,))
        return [_survey(row) for row in rows]

    async def surveys_due(self, now: datetime) -> list[Survey]:
        rows = await self._all(
            _SURVEY_SQL + " WHERE s.status = 'open' AND s.closes_at <= ? ORDER BY s.id",
            (utc_text(now),),
        )
        return [_survey(row) for row in rows]

    async def reminders_due(self, now: datetime) -> list[Survey]:
        rows = await self._all(
            _SURVEY_SQL + " WHERE s.status = 'open' AND s.reminded_at IS NULL "
            "AND s.remind_at IS NOT NULL AND s.remind_at <= ? ORDER BY s.id",
            (utc_text(now),),
        )
        return [_survey(row) for row in rows]

    async def surveys_closed_between(self, start: datetime, end: datetime) -> list[Survey]:
        rows = await self._all(
            _SURVEY_SQL + " WHERE s.closed_at >= ? AND s.closed_at < ? ORDER BY s.closed_at",
            (utc_text(start), utc_text(end)),
        )
        return [_survey(row) for row in rows]

    async def surveys_closed_before(self, end: datetime, limit: int) -> list[Survey]:
        rows = await self._all(
            _SURVEY_SQL + " WHERE s.closed_at IS NOT NULL AND s.closed_at < ? "
            "ORDER BY s.closed_at DESC LIMIT ?",
            (utc_text(end), limit),
        )
        return [_survey(row) for row in reversed(rows)]

    async def add_invites(self, survey_id: int, user_ids: Sequence[int], now: datetime) -> None:
        await self.db.executemany(
            "INSERT INTO survey_invites (survey_id, user_id, invited_at) VALUES (?, ?, ?)",
            [(survey_id, uid, utc_text(now)) for uid in user_ids],
        )

    async def survey_invite(self, survey_id: int, user_id: int) -> tuple[int, bool] | None:
        row = await self._one(
            "SELECT at_question, finished_at FROM survey_invites "
            "WHERE survey_id = ? AND user_id = ?",
            (survey_id, user_id),
        )
        return (int(row[0]), row[1] is not None) if row else None

    async def open_invites_of(self, user_id: int) -> list[tuple[int, int]]:
        """The open surveys this resident has not finished, newest first, with the
        question each is at."""
        rows = await self._all(
            "SELECT i.survey_id, i.at_question FROM survey_invites i JOIN surveys s "
            "ON s.id = i.survey_id WHERE i.user_id = ? AND i.finished_at IS NULL "
            "AND s.status = 'open' ORDER BY i.survey_id DESC",
            (user_id,),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def unfinished_invites(self, survey_id: int) -> list[int]:
        rows = await self._all(
            "SELECT user_id FROM survey_invites WHERE survey_id = ? AND finished_at IS NULL "
            "ORDER BY user_id",
            (survey_id,),
        )
        return [int(r[0]) for r in rows]

    async def save_answer(
        self, survey_id: int, user_id: int, question: int, answer: Answer, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO survey_answers (survey_id, user_id, question, answer, answered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id, user_id, question) "
            "DO UPDATE SET answer = excluded.answer, answered_at = excluded.answered_at",
            (survey_id, user_id, question, json.dumps(answer, ensure_ascii=False), utc_text(now)),
        )

    async def advance(
        self, survey_id: int, user_id: int, at: int | None, finished_at: datetime | None
    ) -> None:
        if at is None:
            await self.db.execute(
                "UPDATE survey_invites SET finished_at = ? WHERE survey_id = ? AND user_id = ?",
                (utc_text(finished_at) if finished_at else None, survey_id, user_id),
            )
            return
        await self.db.execute(
            "UPDATE survey_invites SET at_question = ? WHERE survey_id = ? AND user_id = ?",
            (at, survey_id, user_id),
        )

    async def answers_of(self, survey_id: int, user_id: int) -> dict[int, Answer]:
        rows = await self._all(
            "SELECT question, answer FROM survey_answers WHERE survey_id = ? AND user_id = ?",
            (survey_id, user_id),
        )
        return {int(r[0]): json.loads(r[1]) for r in rows}

    async def survey_answers(self, survey_id: int) -> dict[int, dict[int, Answer]]:
        rows = await self._all(
            "SELECT user_id, question, answer FROM survey_answers WHERE survey_id = ? "
            "ORDER BY user_id, question",
            (survey_id,),
        )
        found: dict[int, dict[int, Answer]] = {}
        for row in rows:
            found.setdefault(int(row[0]), {})[int(row[1])] = json.loads(row[2])
        return found

    # --- the invitations and reminders: the surveys' own outbox ------------------------------

    async def add_survey_sends(
        self, survey_id: int, user_ids: Sequence[int], kind: SendKind, now: datetime
    ) -> None:
        await self.db.executemany(
            "INSERT INTO survey_sends (survey_id, user_id, kind, next_try_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (survey_id, user_id, kind) DO NOTHING",
            [(survey_id, uid, str(kind), DUE_NOW) for uid in user_ids],
        )

    async def cancel_survey_sends(self, survey_id: int, now: datetime) -> None:
        await self.db.execute(
            "UPDATE survey_sends SET outcome = 'cancelled', done_at = ? "
            "WHERE survey_id = ? AND outcome = 'pending'",
            (utc_text(now), survey_id),
        )

    async def survey_send_counts(self, survey_id: int, kind: SendKind) -> dict[str, int]:
        rows = await self._all(
            "SELECT outcome, count(*) FROM survey_sends WHERE survey_id = ? AND kind = ? "
            "GROUP BY outcome",
            (survey_id, str(kind)),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def next_survey_send(self, now: datetime) -> dict[str, int | str] | None:
        """The oldest invitation or reminder due, of a survey still open."""
        row = await self._one(
            "SELECT d.id, d.survey_id, d.user_id, d.kind, d.attempts FROM survey_sends d "
            "JOIN surveys s ON s.id = d.survey_id WHERE d.outcome = 'pending' "
            "AND d.next_try_at <= ? AND s.status = 'open' ORDER BY d.id LIMIT 1",
            (utc_text(now),),
        )
        return dict(row) if row else None

    async def claim_survey_send(self, send_id: int) -> bool:
        claimed = await self.db.execute(
            "UPDATE survey_sends SET outcome = 'sending' WHERE id = ? AND outcome = 'pending'",
            (send_id,),
        )
        return claimed == 1

    async def finish_survey_send(
        self, send_id: int, outcome: Outcome, message_id: int | None, now: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE survey_sends SET outcome = ?, message_id = ?, done_at = ? WHERE id = ?",
            (str(outcome), message_id, utc_text(now), send_id),
        )

    async def retry_survey_send(self, send_id: int, at: datetime) -> None:
        await self.db.execute(
            "UPDATE survey_sends SET outcome = 'pending', attempts = attempts + 1, "
            "next_try_at = ? WHERE id = ?",
            (utc_text(at), send_id),
        )

    async def interrupted_survey_sends(self, now: datetime) -> int:
        """Copies claimed by a process killed while sending them: unsure, never
        sent again (nobody gets a survey twice)."""
        return await self.db.execute(
            "UPDATE survey_sends SET outcome = 'unsure', done_at = ? WHERE outcome = 'sending'",
            (utc_text(now),),
        )

    async def pending_survey_sends(self) -> int:
        row = await self._one(
            "SELECT count(*) FROM survey_sends d JOIN surveys s ON s.id = d.survey_id "
            "WHERE d.outcome IN ('pending', 'sending') AND s.status = 'open'"
        )
        return int(row[0]) if row else 0


def _maybe(when: datetime | None) -> str | None:
    return utc_text(when) if when else None


def _body(survey: Survey) -> str:
    return json.dumps(
        {
            "questions": [q.as_dict() for q in survey.questions],
            "audience": survey.audience.as_dict(),
        },
        ensure_ascii=False,
    )


def _survey(row: Row) -> Survey:
    body = json.loads(row["body"])

    def when(name: str) -> datetime | None:
        return parse_utc(row[name]) if row[name] else None

    return Survey(
        id=row["id"],
        author_id=row["author_id"],
        title=row["title"],
        questions=tuple(Question.from_dict(q) for q in body["questions"]),
        audience=SurveyAudience.from_dict(body["audience"]),
        anonymous=bool(row["anonymous"]),
        seed=int(row["seed"]),
        created_at=parse_utc(row["created_at"]),
        closes_at=parse_utc(row["closes_at"]),
        remind_at=when("remind_at"),
        status=Status(row["status"]),
        reminded_at=when("reminded_at"),
        closed_at=when("closed_at"),
        bulletin_id=row["bulletin_id"],
        invited=int(row["invited"]),
        finished=int(row["finished"]),
    )
