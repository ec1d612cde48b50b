"""Questions the bot asks and waits for a typed answer to (a staff member's
result note, a resident's added information): each is stamped when asked
and expires after `PROMPT_TTL`, so an answer long after, or a question
nobody answers, never acts and is never kept for ever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PROMPT_TTL = timedelta(minutes=15)


def stamped(now: datetime, **value: Any) -> dict[str, Any]:
    """A prompt's stored value: what it is about, and when it was asked."""
    return {**value, "at": now.isoformat()}


def expired(value: Any, now: datetime) -> bool:
    """Whether a stored prompt is too old to answer (one with no time, from an
    older release, counts as expired: press the button again)."""
    if not isinstance(value, dict) or not isinstance(value.get("at"), str):
        return True
    try:
        asked = datetime.fromisoformat(value["at"])
    except ValueError:
        return True
    return not asked <= now < asked + PROMPT_TTL
