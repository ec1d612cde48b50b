"""Errors a command can end in. Each carries a stable `code` the shell maps
to a translated reply, so the wording never lives in the core."""

from __future__ import annotations


class DomainError(Exception):
    """A command that cannot be carried out; nothing was changed."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


class IllegalTransition(DomainError):
    code = "illegal_transition"


class NotAllowed(DomainError):
    """The actor may not do this to this case (wrong role, not the reporter…)."""

    code = "not_allowed"


class CaseNotFound(DomainError):
    code = "case_not_found"


class TooManyCases(DomainError):
    """A resident filed more new cases than the estate allows in its window."""

    code = "too_many_cases"


class InvalidCommand(DomainError):
    """The command itself is malformed (a rating of 7, an empty description…)."""

    code = "invalid_command"
