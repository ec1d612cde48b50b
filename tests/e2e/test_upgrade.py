"""A conversation saved by the release that numbered its states (0..15)
resumes at the same step once the new release starts on that database."""

from __future__ import annotations

from bot.storage import SqliteStore
from handlers.states import Filing
from tests.e2e.harness import Estate
from tests.e2e.steps import REF, tap

CONVERSATION = "conversation:resident"
OLD_DESCRIBE = 9  # F_DESCRIBE in the release before named states


async def test_a_resident_half_way_through_filing_under_the_old_numbers_carries_on(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    mark = smith.last_message_id()
    smith.send("🔧 Report a repair")
    await estate.settle()
    where = await tap(estate, smith, "🏠", after=mark)
    await tap(estate, smith, "🕒", after=where.message_id - 1)  # the same message, edited
    await estate.settle()
    asked = smith.last_message_id()
    await estate.stop_bot()

    async with SqliteStore(estate.settings.database_path) as store, store.transaction() as tx:
        saved = await tx.state(CONVERSATION)
        assert list(saved.values()) == [str(Filing.DESCRIBE)]  # stored by name now
        (key,) = saved
        await tx.put_state(CONVERSATION, key, OLD_DESCRIBE)  # as the old release left it

    await estate.start_bot()
    smith.send("The kitchen tap drips all night")
    await estate.settle()
    done = await tap(estate, smith, "✅", after=asked)
    summary = await smith.wait_for_button("✏️", after=done.message_id - 1)
    assert "The kitchen tap drips all night" in summary.text
    await estate.press(smith, summary, "✅")
    filed = await smith.wait_for_reply(summary)
    assert REF.search(filed.text), smith.transcript()
