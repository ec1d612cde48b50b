"""Answers to what someone just did: the one way handlers talk back to Telegram.

A thin typed facade over the bot. Replies go out as HTML; an edit that would
not change the pressed message (same text, same buttons, as Telegram last
showed them to us on the callback query) is never sent, so it never spends a
chat's budget on a 400 "message is not modified".
"""

from __future__ import annotations

import contextlib

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from views.i18n import plain
from views.lengths import MAX_CAPTION, cut_html, cut_text, split_html

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


MAX_ANSWER = 200  # a callback answer's toast or alert


def _caption(caption: str | None) -> str | None:
    """A caption within Telegram's 1024 UTF-16 units (captions here are plain text)."""
    return None if caption is None else cut_text(caption, MAX_CAPTION)


def _pressed(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


def _buttons(markup: InlineKeyboardMarkup | None) -> tuple[tuple[object, ...], ...]:
    """A keyboard as comparable data (an empty keyboard is no keyboard)."""
    if markup is None:
        return ()
    return tuple(
        tuple((b.text, b.callback_data, b.url) for b in row) for row in markup.inline_keyboard
    )


def would_change(
    message: Message | None, text: str | None, markup: InlineKeyboardMarkup | None
) -> bool:
    """Whether editing `message` to `text` (HTML; None: keep the text) and
    `markup` would change what Telegram shows."""
    if message is None:
        return True  # too old to see: let Telegram decide
    if text is not None and plain(text).strip() != (message.text or message.caption or "").strip():
        return True
    return _buttons(markup) != _buttons(message.reply_markup)


class Replies:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def reply(
        self,
        update: Update,
        text: str,
        markup: Markup | None = None,
        *,
        link_preview: bool = True,
    ) -> Message | None:
        """Answer in the chat the update came from (a private chat, a group's
        topic). None when the update has no message to answer."""
        message = update.effective_message
        if message is None:
            return None
        preview = None if link_preview else True
        *before, last = split_html(text)  # Telegram's 4096 UTF-16 units; buttons on the last
        for piece in before:
            await message.reply_text(
                piece, parse_mode=ParseMode.HTML, disable_web_page_preview=preview
            )
        return await message.reply_text(
            last, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=preview
        )

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: Markup | None = None,
        *,
        thread_id: int | None = None,
    ) -> Message:
        """A message to a chat other than the one the update came from."""
        *before, last = split_html(text)
        for piece in before:
            await self.bot.send_message(
                chat_id, piece, parse_mode=ParseMode.HTML, message_thread_id=thread_id
            )
        return await self.bot.send_message(
            chat_id,
            last,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            message_thread_id=thread_id,
        )

    async def answer(
        self, query: CallbackQuery, text: str | None = None, *, alert: bool = False
    ) -> None:
        """Stop a pressed button's spinner, with a short toast or an alert."""
        await query.answer(None if text is None else cut_text(text, MAX_ANSWER), show_alert=alert)

    async def edit_text(
        self, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Rewrite the pressed message (and its buttons: none unless given)."""
        if not would_change(_pressed(query), text, markup):
            return
        await query.edit_message_text(
            cut_html(text), parse_mode=ParseMode.HTML, reply_markup=markup
        )

    async def edit_message(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Rewrite a message the bot sent earlier, not the pressed one (the desk's
        line, once its case was sorted from a menu in a private chat). A message
        deleted meanwhile, or already showing this, is left as it is."""
        with contextlib.suppress(BadRequest):
            await self.bot.edit_message_text(
                cut_html(text), chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
            )

    async def edit_buttons(self, query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
        """Replace the pressed message's buttons, keeping its text."""
        if not would_change(_pressed(query), None, markup):
            return
        await query.edit_message_reply_markup(markup)

    async def remove_buttons(self, query: CallbackQuery) -> None:
        await self.edit_buttons(query, None)

    async def photo(self, update: Update, photo: bytes, filename: str) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_photo(InputFile(photo, filename=filename))

    async def photo_by_id(self, update: Update, file_id: str, caption: str) -> None:
        """A photo Telegram already has (by its file id), captioned."""
        message = update.effective_message
        if message is not None:
            await message.reply_photo(file_id, caption=caption, parse_mode=ParseMode.HTML)

    async def document(
        self, update: Update, data: bytes, filename: str, caption: str | None = None
    ) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_document(
                InputFile(data, filename=filename), caption=_caption(caption)
            )

    async def document_to(
        self, chat_id: int, data: bytes, filename: str, caption: str | None = None
    ) -> None:
        """A file to a chat other than the one the update came from (privately)."""
        await self.bot.send_document(
            chat_id, InputFile(data, filename=filename), caption=_caption(caption)
        )
