"""A busy group's feed digest fills up by Telegram's count (UTF-16 units),
not by code points: emoji lines never push it past a message's limit."""

from __future__ import annotations

from datetime import UTC, datetime

from delivery.digest import MAX_FEED_CHARS, _has_room
from delivery.records import Digest
from views.notices import Outgoing


def test_a_feed_of_emoji_lines_is_full_by_utf16_units() -> None:
    line = "🚰" * 1000  # 1000 code points, 2000 UTF-16 units
    feed = Digest(
        id=1, chat_id=-1, message_id=1, key="feed", lines=[line], created_at=datetime.now(UTC)
    )
    assert 4 * len(line) > MAX_FEED_CHARS > 2 * len(line)  # two such lines: too many units
    assert not _has_room(feed, Outgoing(line))
    assert _has_room(feed, Outgoing("x" * 100))
