"""The fake Bot API, driven by python-telegram-bot itself: if PTB accepts its
answers and Telegram's refusals come back as PTB's exceptions, the bot's
end-to-end tests mean something."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from playground.fake_telegram import FakeTelegramServer, World


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(World()) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(fake.world.token, base_url=fake.base_url, base_file_url=fake.file_url) as client:
        yield client


KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Acknowledge", callback_data="ack:1")]])


async def test_get_me_names_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "estate_desk_bot", True)


async def test_a_sent_message_shows_in_the_chat_and_edits_replace_it(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    ann = fake.world.user(1, "Ann")
    ann.send("/start")

    sent = await bot.send_message(
        1, "<b>R2026-00001</b> filed", parse_mode="HTML", reply_markup=KEYBOARD
    )
    await bot.edit_message_text(
        "<b>R2026-00001</b> acknowledged", chat_id=1, message_id=sent.message_id, parse_mode="HTML"
    )

    [shown] = ann.private.bot_messages()
    assert shown.text == "R2026-00001 acknowledged"
    assert shown.buttons == []
    assert shown.edited


async def test_an_unchanged_edit_is_refused_as_telegram_does(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    fake.world.user(1, "Ann").send("hi")
    sent = await bot.send_message(1, "same")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("same", chat_id=1, message_id=sent.message_id)


@pytest.mark.parametrize("markup", ["<b>unclosed", "<div>no</div>", "1 < 2", "&nbsp;"])
async def test_bad_html_is_a_400(fake: FakeTelegramServer, bot: Bot, markup: str) -> None:
    fake.world.user(1, "Ann").send("hi")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_message(1, markup, parse_mode="HTML")
    assert fake.world.chats[1].bot_messages() == []


async def test_over_long_texts_and_callback_data_are_refused(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    fake.world.user(1, "Ann").send("hi")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(1, "x" * 4097)
    too_much = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "ok", reply_markup=too_much)


async def test_lengths_are_counted_in_utf16_units_of_the_shown_text_as_telegram_does(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    fake.world.user(1, "Ann").send("hi")
    with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
        await bot.send_message(1, "🚰" * 2049)  # 2049 code points, 4098 UTF-16 units
    await bot.send_message(1, "🚰" * 2048)
    await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    with pytest.raises(BadRequest, match=r"(?i)^message is too long$"):
        await bot.send_message(1, "&amp;" * 4097, parse_mode="HTML")  # an entity is one
    with pytest.raises(BadRequest, match=r"(?i)^message caption is too long$"):
        await bot.send_document(1, b"data", filename="a.txt", caption="👍" * 513)
    await bot.send_document(1, b"data", filename="a.txt", caption="👍" * 512)


async def test_users_who_never_started_or_blocked_the_bot_cannot_be_messaged(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    fake.world.user(1, "Ann")
    with pytest.raises(Forbidden, match="initiate"):
        await bot.send_message(1, "hello")
    fake.world.users[1].send("/start")
    fake.world.blocked.add(1)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(1, "hello")


async def test_flood_limits_answer_429_with_retry_after(fake: FakeTelegramServer, bot: Bot) -> None:
    fake.world.faults.flood_limits = True
    staff = [fake.world.user(i, f"Staff {i}") for i in (1, 2)]
    group = fake.world.group("Repair team", staff)
    for n in range(20):
        await bot.send_message(group.id, f"case {n}")
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(group.id, "one too many")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB's notice that retry_after becomes a timedelta
        retry = refused.value.retry_after
    seconds = retry.total_seconds() if isinstance(retry, timedelta) else retry
    assert 1 <= seconds <= 60
    assert fake.world.flood.refused == 1


async def test_injected_server_errors_reach_the_bot(fake: FakeTelegramServer, bot: Bot) -> None:
    fake.world.faults.error_rate = 1.0
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()


async def test_photos_albums_and_file_downloads_round_trip(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    ann = fake.world.user(1, "Ann")
    sent = ann.send_photo(b"\xff\xd8leak-photo", caption="the ceiling")
    file_id = sent.photos[0]

    downloaded = await (await bot.get_file(file_id)).download_as_bytearray()
    await bot.send_media_group(1, [InputMediaPhoto(file_id), InputMediaPhoto(b"\xff\xd8new")])
    document = await bot.send_document(1, b"register", filename="cases.xlsx")

    assert bytes(downloaded) == b"\xff\xd8leak-photo"
    assert [len(m.photos) for m in ann.private.bot_messages()] == [1, 1, 0]
    assert document.document is not None


async def test_forum_topics_keep_a_case_in_its_own_thread(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    lead = fake.world.user(1, "Lead")
    group = fake.world.group("Repairs", [lead], forum=True)

    topic = await bot.create_forum_topic(group.id, "R2026-00001 leak")
    await bot.send_message(group.id, "card", message_thread_id=topic.message_thread_id)

    in_thread = group.view(topic.message_thread_id)
    assert [m.text for m in in_thread if m.text] == ["card"]
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await bot.send_message(group.id, "lost", message_thread_id=999)
    member = await bot.get_chat_member(group.id, fake.world.bot_id)
    assert member.status == "administrator"
    assert (await bot.get_chat(group.id)).is_forum


async def test_long_polling_waits_for_an_update_and_honours_the_offset(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    ann = fake.world.user(1, "Ann")

    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    ann.send("hello")
    [first] = await asyncio.wait_for(waiting, 3)
    ann.send("again")
    [second] = await bot.get_updates(offset=first.update_id + 1, timeout=0)

    assert (first.message.text, second.message.text) == ("hello", "again")  # type: ignore[union-attr]
    assert await bot.get_updates(offset=second.update_id + 1, timeout=0) == ()
    assert await bot.get_updates(timeout=0, allowed_updates=["callback_query"]) == ()


async def test_a_whole_application_answers_messages_and_button_presses(
    fake: FakeTelegramServer,
) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"echo: {update.effective_message.text}", reply_markup=KEYBOARD
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Taken")
        await query.edit_message_text(f"pressed {query.data}")

    app = (
        Application.builder()
        .token(fake.world.token)
        .base_url(fake.base_url)
        .base_file_url(fake.file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    ann = fake.world.user(1, "Ann")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        ann.send("leak in 12A")
        card = await ann.wait_for_message("echo: leak in 12A")
        answer = await ann.answer_to(ann.press(card, "Acknowledge"))
        edited = await ann.wait_for_message("pressed ack:1")
        await app.updater.stop()
        await app.stop()

    assert answer.text == "Taken"
    assert edited.message_id == card.message_id
    assert "getUpdates" in fake.world.calls


async def test_injected_timeouts_reach_the_bot_as_timed_out(fake: FakeTelegramServer) -> None:
    from telegram.error import TimedOut
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(fake.world.token, base_url=fake.base_url, request=request) as client:
        fake.world.faults.timeout_rate = 1.0
        fake.world.faults.timeout_hold = 1.0
        with pytest.raises(TimedOut):
            await client.get_me()


async def test_several_bots_on_one_fake_each_keep_their_own_chats_and_updates(
    fake: FakeTelegramServer, bot: Bot
) -> None:
    second = fake.add_bot("654321:OTHER", "other_estate_bot")
    fake.world.user(1, "Ann").send("to the first")
    second.user(1, "Ann").send("to the second")  # the same person, the same id

    async with Bot(second.token, base_url=fake.base_url, base_file_url=fake.file_url) as other:
        me = await other.get_me()
        [update] = await other.get_updates(timeout=0)
        await other.send_message(1, "from the second bot")
    [first_update] = await bot.get_updates(timeout=0)

    assert (me.id, me.username) == (654321, "other_estate_bot")
    assert update.message is not None
    assert update.message.text == "to the second"
    assert first_update.message is not None
    assert first_update.message.text == "to the first"
    assert [m.text for m in second.chats[1].bot_messages()] == ["from the second bot"]
    assert fake.world.chats[1].bot_messages() == []
    assert fake.worlds == [fake.world, second]
    assert fake.bot(second.token) is second


async def test_a_token_the_fake_does_not_serve_is_unauthorized(fake: FakeTelegramServer) -> None:
    fake.add_bot("654321:OTHER")
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.base_url}999:NOBODY/getMe") as answer,
    ):
        body = await answer.json()
    assert answer.status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}
