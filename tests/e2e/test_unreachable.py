"""`python -m bot` when Telegram cannot be reached: at start-up it waits with
growing pauses, one WARNING line an attempt and no traceback, and starts when
Telegram answers; later, polling resumes once Telegram is back. A token
Telegram refuses ends it at once, in one line."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import BotProcess, bot_environment
from tests.e2e.test_one_instance import answered, exit_code


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def warnings_about_reaching(log: str) -> list[str]:
    return [line for line in log.splitlines() if "reaching Telegram" in line]


async def test_telegram_unreachable_at_start_up_is_waited_for_and_then_served(
    tmp_path: Path,
) -> None:
    world = World()
    port = free_port()  # closed: nothing listens there yet
    server = FakeTelegramServer(world, port=port)
    env = bot_environment(
        server, tmp_path / "desk.sqlite3", reach_retry_first=0.2, reach_retry_longest=0.5
    )
    bot = BotProcess(env, tmp_path)
    bot.start()
    try:
        for _ in range(200):
            if len(warnings_about_reaching(bot.log())) >= 3:
                break
            await asyncio.sleep(0.1)
        tries = warnings_about_reaching(bot.log())
        assert len(tries) >= 3, bot.log()
        assert all(" WARNING " in line for line in tries), tries
        assert "attempt 1; retrying in 0.2 s" in tries[0], tries
        assert "retrying in 0.5 s" in tries[-1], "the pauses grow to the longest"
        assert bot.process is not None
        assert bot.process.poll() is None, "still waiting"

        await server.start()  # Telegram is back
        await answered(world, 601)

        await server.stop()  # and gone again, while the bot polls
        await asyncio.sleep(3)
        server = FakeTelegramServer(world, port=port)
        await server.start()
        await answered(world, 602, after=0)
    finally:
        await asyncio.to_thread(bot.stop)
        await server.stop()
    log = bot.log()
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log


async def test_a_token_telegram_refuses_stops_the_bot_at_once_in_one_line(
    tmp_path: Path,
) -> None:
    world = World()
    async with FakeTelegramServer(world) as server:
        env = bot_environment(server, tmp_path / "desk.sqlite3")
        env["BOT_TOKEN"] = "123456:NOT-THE-TOKEN"
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            code = await exit_code(bot, timeout=20)
        finally:
            await asyncio.to_thread(bot.stop)
    lines = bot.log().strip().splitlines()
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("estate-desk: Telegram refused BOT_TOKEN"), lines
