"""Webhook mode: with WEBHOOK_URL set, `python -m bot` sets its webhook with a
secret, Telegram (the fake) posts updates to it and the bot serves them; a
post without the secret, or with a wrong one, is refused and not served.
Without WEBHOOK_SECRET the bot does not start."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import BotProcess, bot_environment
from playground.fake_telegram.webhook import SECRET_HEADER
from tests.e2e.test_one_instance import answered, exit_code
from tests.e2e.test_unreachable import free_port

SECRET = "s3cret_for-the-hook"


async def test_in_webhook_mode_telegram_posts_updates_and_a_wrong_secret_is_refused(
    tmp_path: Path,
) -> None:
    world = World()
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    async with FakeTelegramServer(world) as server:
        env = bot_environment(
            server,
            tmp_path / "desk.sqlite3",
            webhook_url=url,
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
            webhook_path="/hook",
        )
        bot = BotProcess(env, tmp_path)
        bot.start()
        try:
            await answered(world, 701)
            hook = server.api.webhook.hook
            assert hook is not None
            assert hook.url == url
            assert hook.secret == SECRET
            assert "setWebhook" in world.calls
            assert "getUpdates" not in world.calls, "no polling beside the webhook"

            forged = {
                "update_id": 9999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 702, "type": "private"},
                    "from": {"id": 702, "is_bot": False, "first_name": "Mallory"},
                    "text": "/start",
                },
            }
            sent = world.calls.count("sendMessage")
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                    async with session.post(
                        url,
                        data=json.dumps(forged),
                        headers={"Content-Type": "application/json", **headers},
                    ) as answer:
                        assert answer.status == 403, headers
            await asyncio.sleep(1)
            assert world.calls.count("sendMessage") == sent, "the forged update was not served"
            await answered(world, 703)
        finally:
            await asyncio.to_thread(bot.stop)
    log = bot.log()
    assert "Traceback" not in log, log
    assert SECRET not in log


async def test_a_webhook_url_without_a_secret_is_refused_in_one_line(tmp_path: Path) -> None:
    world = World()
    async with FakeTelegramServer(world) as server:
        env = bot_environment(
            server, tmp_path / "desk.sqlite3", webhook_url="https://desk.example.org/telegram"
        )
        bot = BotProcess(env, tmp_path, module=("-m", "bot", "run"))
        bot.start()
        try:
            code = await exit_code(bot, timeout=20)
        finally:
            await asyncio.to_thread(bot.stop)
    lines = bot.log().strip().splitlines()
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert "WEBHOOK_SECRET: " in lines[0], lines
    assert "required with WEBHOOK_URL" in lines[0], lines
    assert "setWebhook" not in world.calls
