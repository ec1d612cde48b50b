"""Residents' opinion surveys: who may run one, how a question is written in
chat, which residents a survey reaches (everyone, some buildings, a random
sample whose seed is kept), what makes a draft unusable, where a resident is
in answering, and the tally of the answers. Pure: no I/O, time and the seed
passed in."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from workflow.directory import Person
from workflow.roles import Role

RUNNERS: frozenset[Role] = frozenset({Role.FRONT_DESK, Role.CS_SUPERVISOR, Role.MANAGER})
"""Who creates, sends, closes and reads surveys."""

MAX_QUESTIONS = 20
MAX_OPTIONS = 8  # a choice's buttons, one per row, stay on a phone's screen
MAX_TITLE = 120
MAX_QUESTION = 300
MAX_OPTION = 40  # a button's label
MAX_ANSWER = 1000  # a free-text answer is kept up to this many characters
SCALE = (1, 2, 3, 4, 5)


class Kind(StrEnum):
    SCALE = "scale"  # 1 (poor) to 5 (very good)
    SINGLE = "single"  # one of the options
    MULTIPLE = "multiple"  # any of the options
    TEXT = "text"  # free text, as a reply


# A question is one message: its kind's sign, the question, then the options
# for a choice. The full-width signs a Chinese keyboard types count too: each
# sign is read as its NFKC form (the full-width asterisk is "*").
PREFIXES: dict[str, Kind] = {
    "*": Kind.SCALE,
    "?": Kind.SINGLE,
    "+": Kind.MULTIPLE,
    "~": Kind.TEXT,
}


def _folded(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


def _options(text: str) -> list[str]:
    """Split at "|" or its full-width form, keeping the words as typed."""
    marked = "".join("|" if _folded(c) == "|" else c for c in text)
    return [part.strip() for part in marked.split("|")]


@dataclass(frozen=True)
class Question:
    kind: Kind
    text: str
    options: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "text": self.text, "options": list(self.options)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        return cls(Kind(data["kind"]), str(data["text"]), tuple(data.get("options", ())))


class QuestionProblem(StrEnum):
    NO_SIGN = "no_sign"  # no kind's sign in front
    EMPTY = "empty"  # a sign and nothing else
    TOO_LONG = "too_long"
    OPTIONS = "options"  # a choice needs 2 to 8 short options


def parse_question(text: str) -> Question | QuestionProblem:
    """ "* How clean is the lobby?" (1–5), "? Which is best | A | B" (one),
    "+ Which do you use | Gym | Pool | Garden" (any), "~ Anything else?" (free text)."""
    text = (text or "").strip()
    kind = PREFIXES.get(_folded(text[:1]))
    if kind is None:
        return QuestionProblem.NO_SIGN
    parts = _options(text[1:].strip())
    question, options = parts[0], tuple(o for o in parts[1:] if o)
    if not question:
        return QuestionProblem.EMPTY
    if len(question) > MAX_QUESTION:
        return QuestionProblem.TOO_LONG
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > MAX_OPTION for o in options):
            return QuestionProblem.OPTIONS
        if len(set(options)) != len(options):
            return QuestionProblem.OPTIONS
    else:
        options = ()
    return Question(kind, question, options)


@dataclass(frozen=True)
class SurveyAudience:
    """Everyone or some buildings, then all of them or a random sample of them:
    a proportion (`percent`) or a number of people (`count`), never both."""

    buildings: frozenset[str] = frozenset()
    percent: int | None = None
    count: int | None = None

    def reaches(self, person: Person) -> bool:
        if not person.is_resident:
            return False
        return not self.buildings or person.building in self.buildings

    def as_dict(self) -> dict[str, Any]:
        return {"buildings": sorted(self.buildings), "percent": self.percent, "count": self.count}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SurveyAudience:
        return cls(frozenset(data.get("buildings", [])), data.get("percent"), data.get("count"))


class AudienceProblem(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    SAMPLE_ZERO = "sample_zero"  # 0 % or 0 people
    OVER_100 = "over_100"  # more than 100 %
    UNKNOWN_BUILDING = "unknown_building"


_PERCENT = re.compile(r"^(\d{1,4})\s*%$")
_NUMBER = re.compile(r"^(\d{1,6})$")
# Between words: spaces, commas and semicolons, full-width ones folded by NFKC,
# and the enumeration comma U+3001, which NFKC keeps.
_BETWEEN = re.compile(r"[\s,;\u3001]+")


def words_of(text: str) -> list[str]:
    """The words of a typed list ("A, B 30%"), full-width separators included."""
    return [w for w in _BETWEEN.split(unicodedata.normalize("NFKC", text or "").strip()) if w]


def parse_audience(
    text: str, buildings: set[str], everyone: frozenset[str] = frozenset({"*"})
) -> SurveyAudience | AudienceProblem:
    """ "all", "A B", "30%", "50", or buildings and a sample: "A, B 30%".
    `everyone` holds the words for "all" (each language's, from the catalogues)."""
    words = words_of(text)
    everyone = frozenset(w.lower() for w in everyone) | {"*"}
    if not words:
        return AudienceProblem.NOT_UNDERSTOOD
    known = {b.upper(): b for b in buildings}
    chosen: set[str] = set()
    percent: int | None = None
    count: int | None = None
    for word in words:
        if word.lower() in everyone:
            continue
        if match := _PERCENT.match(word):
            if percent is not None or count is not None:
                return AudienceProblem.NOT_UNDERSTOOD
            percent = int(match.group(1))
            if percent == 0:
                return AudienceProblem.SAMPLE_ZERO
            if percent > 100:
                return AudienceProblem.OVER_100
        elif match := _NUMBER.match(word):
            if percent is not None or count is not None:
                return AudienceProblem.NOT_UNDERSTOOD
            count = int(match.group(1))
            if count == 0:
                return AudienceProblem.SAMPLE_ZERO
        elif word.upper() in known:
            chosen.add(known[word.upper()])
        else:
            return AudienceProblem.UNKNOWN_BUILDING
    if percent == 100:
        percent = None  # a sample of everyone is everyone
    return SurveyAudience(frozenset(chosen), percent, count)


def sample_size(population: int, audience: SurveyAudience) -> int:
    """How many of `population` residents a survey goes to: a proportion rounds
    half up and is never 0 out of someone; a number beyond everyone is everyone."""
    if audience.percent is not None:
        return min(population, max(1, (population * audience.percent + 50) // 100))
    if audience.count is not None:
        return min(population, audience.count)
    return population


def choose(people: Sequence[Person], audience: SurveyAudience, seed: int) -> list[int]:
    """The residents a survey goes to, in id order: those the audience reaches,
    or a random sample of them drawn with `seed` (the same seed and the same
    residents draw the same sample)."""
    pool = sorted({p.user_id for p in people if audience.reaches(p)})
    size = sample_size(len(pool), audience)
    if size >= len(pool):
        return pool
    return sorted(random.Random(seed).sample(pool, size))


class SendKind(StrEnum):
    """What one resident is sent about a survey."""

    INVITE = "invite"  # the invitation, with its Start button
    REMINDER = "reminder"  # the one reminder, to those not finished


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass
class Survey:
    id: int
    author_id: int
    title: str
    questions: tuple[Question, ...]
    audience: SurveyAudience
    anonymous: bool
    seed: int
    created_at: datetime
    closes_at: datetime
    remind_at: datetime | None
    status: Status = Status.OPEN
    reminded_at: datetime | None = None
    closed_at: datetime | None = None
    bulletin_id: int | None = None  # the notice its summary was published as
    invited: int = 0  # filled in when read
    finished: int = 0

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def response_rate(self) -> float | None:
        return self.finished / self.invited if self.invited else None


class DraftProblem(StrEnum):
    NO_TITLE = "no_title"
    NO_QUESTIONS = "no_questions"
    TOO_MANY = "too_many"
    IN_THE_PAST = "in_the_past"
    NOBODY = "nobody"


def check_draft(
    title: str, questions: Sequence[Question], closes_at: datetime | None, now: datetime
) -> DraftProblem | None:
    if not title.strip():
        return DraftProblem.NO_TITLE
    if not questions:
        return DraftProblem.NO_QUESTIONS
    if len(questions) > MAX_QUESTIONS:
        return DraftProblem.TOO_MANY
    if closes_at is None or closes_at <= now:
        return DraftProblem.IN_THE_PAST
    return None


def may_run(roles: frozenset[Role]) -> bool:
    return bool(roles & RUNNERS)


def reminder_time(sent_at: datetime, closes_at: datetime) -> datetime | None:
    """The one reminder: a day before the closing, or half-way for a survey of
    two days or less; none for one closing within the hour."""
    length = closes_at - sent_at
    if length <= timedelta(hours=1):
        return None
    if length > timedelta(days=2):
        return closes_at - timedelta(days=1)
    return sent_at + length / 2


# --- answering -------------------------------------------------------------------------------

Answer = int | list[int] | str
"""A scale's 1–5, a single choice's option index, a multiple choice's indexes,
or a free text ("" when skipped)."""


class AnswerProblem(StrEnum):
    CLOSED = "closed"
    NOT_INVITED = "not_invited"
    DONE = "done"  # every question answered already
    STALE = "stale"  # a button of a question that is not the current one
    INVALID = "invalid"


def valid_answer(question: Question, answer: Answer) -> bool:
    if question.kind is Kind.SCALE:
        return isinstance(answer, int) and answer in SCALE
    if question.kind is Kind.SINGLE:
        return isinstance(answer, int) and 0 <= answer < len(question.options)
    if question.kind is Kind.MULTIPLE:
        return isinstance(answer, list) and all(
            isinstance(i, int) and 0 <= i < len(question.options) for i in answer
        )
    return isinstance(answer, str) and len(answer) <= MAX_ANSWER


def toggled(picked: Sequence[int], option: int) -> list[int]:
    """A multiple choice's picks after pressing one option (again: unpicked)."""
    return sorted(set(picked) ^ {option})


def clean_answer(text: str | None) -> str:
    return (text or "").strip()[:MAX_ANSWER]


# --- results ----------------------------------------------------------------------------------


@dataclass
class Tally:
    question: Question
    answered: int = 0
    counts: list[int] = field(default_factory=list)  # per scale point or per option
    texts: list[str] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        """A scale's mean (1–5); None for other kinds or no answers."""
        if self.question.kind is not Kind.SCALE or not self.answered:
            return None
        return sum(v * c for v, c in zip(SCALE, self.counts, strict=True)) / self.answered


@dataclass
class Results:
    invited: int
    finished: int  # answered every question
    started: int  # answered at least one
    tallies: list[Tally]

    @property
    def response_rate(self) -> float | None:
        return self.finished / self.invited if self.invited else None

    @property
    def satisfaction(self) -> float | None:
        """The mean of every 1–5 answer in the survey (its satisfaction figure)."""
        scales = [t for t in self.tallies if t.question.kind is Kind.SCALE]
        answered = sum(t.answered for t in scales)
        if not answered:
            return None
        return sum((t.average or 0) * t.answered for t in scales) / answered


def tally(
    questions: Sequence[Question],
    answers: Mapping[int, Mapping[int, Answer]],
    invited: int,
    finished: int,
) -> Results:
    """Each question's count of answers: `answers` maps a respondent to their
    answers by question number (from 0). A skipped free text is not counted."""
    tallies = []
    for number, question in enumerate(questions):
        width = len(SCALE) if question.kind is Kind.SCALE else len(question.options)
        result = Tally(question, counts=[0] * width)
        for given in answers.values():
            if number not in given:
                continue
            value = given[number]
            if question.kind is Kind.SCALE and isinstance(value, int) and value in SCALE:
                result.counts[value - 1] += 1
            elif question.kind is Kind.SINGLE and isinstance(value, int) and value < width:
                result.counts[value] += 1
            elif question.kind is Kind.MULTIPLE and isinstance(value, list):
                for option in value:
                    if 0 <= option < width:
                        result.counts[option] += 1
            elif question.kind is Kind.TEXT and isinstance(value, str) and value:
                result.texts.append(value)
            else:
                continue
            result.answered += 1
        tallies.append(result)
    started = sum(1 for given in answers.values() if given)
    return Results(invited, finished, started, tallies)
