"""The steps of a resident's (or a guard's) private conversation with the bot:
one set per flow. The values are what the persistent conversation stores, so
they are stable names, never renumbered."""

from __future__ import annotations

from enum import StrEnum


class Registration(StrEnum):
    BUILDING = "registration.building"
    UNIT = "registration.unit"
    NAME = "registration.name"
    PHONE = "registration.phone"


class Filing(StrEnum):
    WHERE = "filing.where"
    BUILDING = "filing.building"
    SPOT = "filing.spot"
    URGENCY = "filing.urgency"
    KIND = "filing.kind"
    TEAM = "filing.team"
    DESCRIBE = "filing.describe"
    CONFIRM = "filing.confirm"


class FollowUp(StrEnum):
    """A resident following up on one of their cases from My cases."""

    ADD_INFO = "follow_up.add_info"
    AGAIN = "follow_up.again"


class Feedback(StrEnum):
    COMMENT = "feedback.comment"


class GuardReport(StrEnum):
    WHERE = "guard_report.where"
    REPORT = "guard_report.report"


class Bulletin(StrEnum):
    """Staff writing a notice to residents (/notice), or correcting one."""

    TEXT = "bulletin.text"
    AUDIENCE = "bulletin.audience"
    FLOORS = "bulletin.floors"
    WHEN = "bulletin.when"
    TIME = "bulletin.time"
    CONFIRM = "bulletin.confirm"
    CORRECT = "bulletin.correct"


class SurveyDraft(StrEnum):
    """Staff writing an opinion survey (/survey)."""

    TITLE = "survey.title"
    QUESTIONS = "survey.questions"
    AUDIENCE = "survey.audience"
    ANONYMITY = "survey.anonymity"
    CLOSES = "survey.closes"
    CONFIRM = "survey.confirm"


State = Registration | Filing | FollowUp | Feedback | GuardReport | Bulletin | SurveyDraft

# Releases before named states saved the position of each state in this list
# (`range(16)`): a conversation saved by one of them resumes at the same step.
LEGACY_NUMBERS: dict[int, State] = dict(
    enumerate(
        (
            Registration.BUILDING,
            Registration.UNIT,
            Registration.NAME,
            Registration.PHONE,
            Filing.WHERE,
            Filing.BUILDING,
            Filing.SPOT,
            Filing.URGENCY,
            Filing.KIND,
            Filing.DESCRIBE,
            Filing.CONFIRM,
            FollowUp.ADD_INFO,
            FollowUp.AGAIN,
            Feedback.COMMENT,
            GuardReport.WHERE,
            GuardReport.REPORT,
        )
    )
)


def upgraded(saved: object) -> object:
    """A saved state as this release names it (old numbers mapped, names kept)."""
    if isinstance(saved, int) and not isinstance(saved, bool) and saved in LEGACY_NUMBERS:
        return LEGACY_NUMBERS[saved]
    return saved


Next = State | int
"""What a conversation step returns: the next state, or ConversationHandler.END."""
