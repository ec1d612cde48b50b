"""`python -m bot` at DEBUG, the level someone turns on to chase a bug: neither
the bot token nor a resident's phone number reaches the log, though the
library logs its API URL (token inside), every update (a shared contact
inside) and every SQL statement's parameters (the resident's row inside)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.logs import Redact, redact
from playground.fake_telegram import FakeTelegramServer, World
from playground.fake_telegram.process import BotProcess, bot_environment

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
PHONE = "+85261234567"


async def test_at_debug_the_log_shows_neither_the_token_nor_a_phone_number(
    tmp_path: Path,
) -> None:
    world = World(token=TOKEN)
    async with FakeTelegramServer(world) as server:
        bot = BotProcess(
            bot_environment(server, tmp_path / "desk.sqlite3", log_level="DEBUG"), tmp_path
        )
        bot.start()
        try:
            lee = world.user(200, "Lee", language_code="en")
            lee.send("/start")
            for label in ("Block B", "2A"):
                shown = await lee.wait_for_button(label, timeout=30)
                lee.press(shown, label)
            await lee.wait_for_message("name", timeout=30)
            asked = lee.last_message_id()
            lee.send("Lee Siu Ming")
            await lee.wait_for_message(after=asked, timeout=30)
            asked = lee.last_message_id()
            lee.send_contact(PHONE)
            await lee.wait_for_message(after=asked, timeout=30)
            await asyncio.sleep(0.5)  # the registration's writes are logged
        finally:
            await asyncio.to_thread(bot.stop)
    log = bot.log()

    assert "Set Bot API URL" in log, "the library's line is there, masked"
    assert "Processing update" in log
    assert TOKEN not in log
    assert TOKEN.replace(":", "%3A") not in log
    assert TOKEN.split(":")[1] not in log
    assert PHONE not in log
    assert PHONE.lstrip("+") not in log
    assert "<phone>" in log, "the phone was in the dumps, masked"


def test_the_filter_masks_phones_in_update_dumps_and_sql_parameters() -> None:
    dumps = [
        "Processing update Update(message=Message(contact=Contact(first_name='Lee', "
        "phone_number='85261234567', user_id=200)))",
        "executing functools.partial(<built-in method execute>, 'INSERT INTO people "
        'VALUES (?, ?, ?)\', (200, \'Lee\', \'{"phone": "+852 6123 4567", "unit": "2A"}\'))',
        "sendMessage {'chat_id': -4000000001, 'text': 'Lee, 2A, tel. +85261234567'}",
    ]
    for dump in dumps:
        masked = redact(dump)
        assert "6123" not in masked, masked
        assert "<phone>" in masked
    assert "-4000000001" in redact(dumps[2]), "ids stay readable"
    assert "200" in redact(dumps[0])


def test_the_filter_masks_the_token_in_a_traceback_too() -> None:
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (TOKEN,), None)
        import sys

        record.exc_info = sys.exc_info()
    Redact([TOKEN]).filter(record)
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert text.count("<token>") == 2
