"""`python -m bot` against the fake Telegram on a bad day for polling: a second
instance on the same database, another process polling with the same token
(409 Conflict), and getUpdates failing for a while."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import BotProcess, bot_environment


async def exit_code(bot: BotProcess, timeout: float) -> int | None:
    """The process's exit code, or None if it is still running after `timeout`."""
    assert bot.process is not None
    for _ in range(int(timeout * 10)):
        if (code := bot.process.poll()) is not None:
            return code
        await asyncio.sleep(0.1)
    return None


async def answered(world: World, user_id: int, after: int = 0) -> None:
    """A user writes to the bot and it answers: the bot polls and serves."""
    user = world.user(user_id, f"U{user_id}", language_code="en")
    user.send("/start")
    await user.wait_for_message(after=after, timeout=30)


async def test_a_second_instance_on_the_same_database_stops_naming_the_first(
    tmp_path: Path,
) -> None:
    world = World()
    db = tmp_path / "desk.sqlite3"
    async with FakeTelegramServer(world) as server:
        env = bot_environment(server, db)
        first = BotProcess(env, tmp_path, log_name="first.log")
        second = BotProcess(env, tmp_path, log_name="second.log")
        first.start()
        try:
            await answered(world, 501)
            second.start()
            code = await exit_code(second, timeout=20)
            assert code is not None, "the second instance kept running"
            assert code != 0
            lines = second.log().strip().splitlines()
            assert len(lines) == 1, lines
            assert f"pid {first.pid}" in lines[0], lines
            assert str(db) in lines[0], lines
            assert first.process is not None
            assert first.process.poll() is None
            await answered(world, 502)  # the first carries on alone
        finally:
            await asyncio.to_thread(second.stop)
            await asyncio.to_thread(first.stop)
    assert "Traceback" not in first.log()


async def test_another_process_polling_with_the_token_stops_the_bot_with_a_clear_message(
    tmp_path: Path,
) -> None:
    world = World()
    world.faults.updates_errors = [409] * 20  # someone else's getUpdates keeps winning
    async with FakeTelegramServer(world) as server:
        bot = BotProcess(
            bot_environment(server, tmp_path / "desk.sqlite3", conflicts_before_exit=3), tmp_path
        )
        bot.start()
        try:
            code = await exit_code(bot, timeout=40)
        finally:
            await asyncio.to_thread(bot.stop)
    log = bot.log()
    assert code == 3, log
    assert "Traceback" not in log
    last = log.strip().splitlines()[-1]
    assert last.startswith("estate-desk: "), last
    assert "409 Conflict" in last, last
    assert "another process is polling with this bot token" in last


async def test_get_updates_failing_a_few_times_is_one_warning_line_each(tmp_path: Path) -> None:
    world = World()
    world.faults.updates_errors = [502, 502, 500]
    async with FakeTelegramServer(world) as server:
        bot = BotProcess(bot_environment(server, tmp_path / "desk.sqlite3"), tmp_path)
        bot.start()
        try:
            await answered(world, 503)  # polling got through in the end
        finally:
            await asyncio.to_thread(bot.stop)
    log = bot.log()
    assert "Traceback" not in log, log
    assert "an update failed" not in log
    polling = [line for line in log.splitlines() if "polling Telegram" in line]
    assert len(polling) == 3, polling
    assert all(" WARNING " in line for line in polling), polling
