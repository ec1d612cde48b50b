"""What a resident reads while describing a problem: words alone are not
counted as "0 of 5 photos"; once there is a photo, the count is said."""

from __future__ import annotations

from tests.e2e.harness import Estate
from tests.e2e.steps import tap


async def test_words_alone_are_acknowledged_without_a_count_of_no_photos(estate: Estate) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🧹 Cleaning problem")
    await tap(estate, smith, "🏠", after=mark)
    smith.send("Spilled paint in the corridor")
    await estate.settle()
    got = smith.private.bot_messages()[-1].text
    assert got.startswith("Got it."), smith.transcript()
    assert "0/5" not in got

    smith.send_photo()
    await estate.settle()
    assert "(1/5 photos)" in smith.private.bot_messages()[-1].text


async def test_in_chinese_words_alone_are_acknowledged_without_a_count(estate: Estate) -> None:
    chan = estate.resident("chan")
    mark = chan.last_message_id()
    chan.send("🧹 清潔問題")
    await tap(estate, chan, "🏠", after=mark)
    chan.send("走廊有油漆")
    await estate.settle()
    got = chan.private.bot_messages()[-1].text
    assert got.startswith("已收到。"), chan.transcript()
    assert "0/5" not in got
