"""The Bot API methods the bot calls, implemented against the World, with
Telegram's checks: a method Telegram would refuse is refused here too."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playground.fake_telegram.html_check import HtmlError, html_to_text
from playground.fake_telegram.webhook import Webhook, WebhookPusher
from playground.fake_telegram.world import ANSWERS, JSON, Chat, TelegramError, World, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
TOO_LONG = "message is too long"


@dataclass
class Params:
    """A Bot API call's parameters as python-telegram-bot sends them: form
    fields whose strings are raw and everything else JSON, plus uploaded parts."""

    fields: dict[str, str]
    uploads: dict[str, bytes] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.fields or name in self.uploads

    def text(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    def required(self, name: str) -> str:
        value = self.fields.get(name)
        if value is None:
            raise bad_request(f"{name} is required")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.fields.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name}") from None

    def flag(self, name: str) -> bool:
        return self.fields.get(name, "false").lower() == "true"

    def parsed(self, name: str) -> Any:
        value = self.fields.get(name)
        if value is None:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def file(self, name: str) -> bytes | str | None:
        """An upload (bytes), or a file id / URL (str)."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.fields.get(name)
        if value and value.startswith("attach://"):
            return self.uploads.get(value.removeprefix("attach://"))
        return value


Method = Callable[[Params], Awaitable[Any]]


class BotApi:
    def __init__(self, world: World) -> None:
        self._method = ""
        self.world = world
        self.webhook = WebhookPusher(world)
        self.methods: dict[str, Method] = {
            name[4:].lower(): getattr(self, name) for name in dir(self) if name.startswith("api_")
        }

    async def call(self, method: str, params: Params) -> Any:
        handler = self.methods.get(method.lower())
        if handler is None:
            raise TelegramError(404, "Not Found: method not found")
        self.world.calls.append(method)
        self._method = method
        return await handler(params)

    # --- helpers ----------------------------------------------------------------

    def _chat_for_sending(self, params: Params) -> Chat:
        chat = self._live(self.world.chat(self._chat_id(params)))
        if chat.id in self.world.faults.poisoned:
            raise bad_request("PEER_ID_INVALID")
        if chat.type == "private":
            if chat.id in self.world.blocked:
                raise TelegramError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self.world.started:
                raise TelegramError(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat.members.get(self.world.bot_id) == "kicked":
            raise TelegramError(403, "Forbidden: bot was kicked from the group chat")
        elif chat.members.get(self.world.bot_id) in (None, "left"):
            raise TelegramError(403, "Forbidden: bot is not a member of the group chat")
        return chat

    def _live(self, chat: Chat) -> Chat:
        """A group upgraded to a supergroup takes nothing more: Telegram answers
        400 with the supergroup's id (python-telegram-bot raises ChatMigrated)."""
        if chat.migrated_to is not None:
            raise TelegramError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _chat_id(self, params: Params) -> int:
        chat_id = params.integer("chat_id")
        if chat_id is None:
            raise bad_request("chat_id is empty")
        return chat_id

    def _thread(self, chat: Chat, params: Params) -> int | None:
        thread_id = params.integer("message_thread_id")
        if thread_id is not None and thread_id not in chat.topics:
            raise bad_request("message thread not found")
        return thread_id

    def _text(self, raw: str | None, parse_mode: str | None, limit: int, what: str) -> str:
        if raw is None or not raw.strip():
            raise bad_request(f"{what} is empty")
        text = raw
        if parse_mode is not None:
            if parse_mode.upper() != "HTML":
                raise bad_request(f"unsupported parse_mode {parse_mode}")
            try:
                text = html_to_text(raw)
            except HtmlError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        if not text.strip():
            raise bad_request(f"{what} is empty")
        # Telegram counts the shown text (after parsing) in UTF-16 code units: an
        # emoji such as 🚰 is two of them.
        if len(text.encode("utf-16-le")) // 2 > limit:
            raise bad_request("message caption is too long" if what == "caption" else TOO_LONG)
        return text

    def _markup(self, chat: Chat, params: Params) -> JSON | None:
        markup: JSON | None = params.parsed("reply_markup")
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad_request("button text is empty")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
        if "keyboard" in markup:
            if chat.type != "private" and any(
                b.get("request_contact") for row in markup["keyboard"] for b in row
            ):
                raise bad_request("phone number can be requested in private chats only")
            chat.keyboard = markup["keyboard"]
        if markup.get("remove_keyboard"):
            chat.keyboard = None
        return markup

    def _send(self, chat: Chat, params: Params, body: JSON, count: int = 1) -> JSON:
        if self.world.faults.flood_limits:
            self.world.flood.check(chat, count, self._method)
        thread_id = self._thread(chat, params)
        markup = self._markup(chat, params)
        if markup is not None and "inline_keyboard" in markup:
            body["reply_markup"] = markup  # only inline keyboards travel with a message
        reply = params.parsed("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.integer("reply_to_message_id")
        if reply_to is not None:
            if reply_to not in chat.messages:
                raise bad_request("message to be replied not found")
            body["reply_to_message"] = chat.messages[reply_to]
        sent = self.world.new_message(chat, self.world.bot_user(), body, thread_id)
        if markup is not None and "inline_keyboard" not in markup:
            chat.other_markup[sent["message_id"]] = markup
        return sent

    def _bot_message(self, params: Params) -> tuple[Chat, JSON]:
        chat = self._live(self.world.chat(self._chat_id(params)))
        message = chat.messages.get(params.integer("message_id") or 0)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.world.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _edited(self, chat: Chat, message: JSON, changes: JSON) -> JSON:
        updated = {k: v for k, v in message.items() if k not in ("reply_markup", "edit_date")}
        updated.update({k: v for k, v in changes.items() if v is not None})
        comparable = ("text", "caption", "reply_markup", "entities")
        if all(updated.get(k) == message.get(k) for k in comparable):
            self.world.not_modified += 1
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        if self.world.faults.flood_limits and self.world.flood.counts_edits():
            self.world.flood.check(chat, 1, self._method)
        updated["edit_date"] = int(self.world.clock())
        chat.messages[message["message_id"]] = updated
        chat.edited.add(message["message_id"])
        self.world._notify(chat.id)
        return updated

    def _stored_photo(self, content: bytes | str | None) -> list[JSON]:
        if content is None:
            raise bad_request("there is no photo in the request")
        if isinstance(content, bytes):
            stored = self.world.store_file(content, "photos", "jpg")
        else:
            stored_or_none = self.world.files.get(content)
            if stored_or_none is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            stored = stored_or_none
        return self.world.photo_sizes(stored)

    # --- the Bot API ------------------------------------------------------------------

    async def api_getMe(self, params: Params) -> JSON:
        return {
            **self.world.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def api_getUpdates(self, params: Params) -> list[JSON]:
        if self.webhook.hook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = params.parsed("allowed_updates")
        return await self.world.take_updates(
            offset=params.integer("offset", 0) or 0,
            limit=min(max(params.integer("limit", 100) or 100, 1), 100),
            timeout=min(float(params.text("timeout") or 0), 50.0),
            allowed=allowed,
        )

    async def api_deleteWebhook(self, params: Params) -> bool:
        await self.webhook.delete()
        return True

    async def api_setWebhook(self, params: Params) -> bool:
        url = params.required("url")
        if not url:
            await self.webhook.delete()
            return True
        secret = params.text("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256 and secret.replace("_", "").replace("-", "").isalnum()
        ):
            raise bad_request("secret token contains unallowed characters")
        self.webhook.set(Webhook(url, secret, params.parsed("allowed_updates")))
        return True

    async def api_getWebhookInfo(self, params: Params) -> JSON:
        hook = self.webhook.hook
        info: JSON = {"url": hook.url if hook else "", "has_custom_certificate": False}
        info["pending_update_count"] = len(self.world.updates)
        if hook is not None and hook.last_error:
            info["last_error_message"] = hook.last_error
        return info

    async def api_setMyCommands(self, params: Params) -> bool:
        commands = params.parsed("commands") or []
        for command in commands:
            name = command.get("command", "")
            if not (1 <= len(name) <= 32 and name.islower() and name.replace("_", "").isalnum()):
                raise bad_request(f"BOT_COMMAND_INVALID: {name!r}")
        self.world.commands = commands
        return True

    async def api_sendChatAction(self, params: Params) -> bool:
        self._chat_for_sending(params)
        return True

    async def api_sendMessage(self, params: Params) -> JSON:
        chat = self._chat_for_sending(params)
        text = self._text(params.text("text"), params.text("parse_mode"), MAX_TEXT, "message text")
        sent = self._send(chat, params, {"text": text})
        chat.markup[sent["message_id"]] = params.text("text") or ""
        return sent

    async def api_editMessageText(self, params: Params) -> JSON:
        chat, message = self._bot_message(params)
        text = self._text(params.text("text"), params.text("parse_mode"), MAX_TEXT, "message text")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        chat.markup[message["message_id"]] = params.text("text") or ""
        return self._edited(
            chat, message, {"text": text, "reply_markup": self._markup(chat, params)}
        )

    async def api_editMessageCaption(self, params: Params) -> JSON:
        chat, message = self._bot_message(params)
        caption = self._text(
            params.text("caption"), params.text("parse_mode"), MAX_CAPTION, "caption"
        )
        return self._edited(
            chat, message, {"caption": caption, "reply_markup": self._markup(chat, params)}
        )

    async def api_editMessageReplyMarkup(self, params: Params) -> JSON:
        chat, message = self._bot_message(params)
        return self._edited(chat, message, {"reply_markup": self._markup(chat, params)})

    async def api_deleteMessage(self, params: Params) -> bool:
        chat = self.world.chat(self._chat_id(params))
        if chat.messages.pop(params.integer("message_id") or 0, None) is None:
            raise bad_request("message to delete not found")
        self.world._notify(chat.id)
        return True

    async def api_answerCallbackQuery(self, params: Params) -> bool:
        query_id = params.required("callback_query_id")
        if query_id in self.world.answers:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.text("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.world.answers[query_id] = {"text": text, "show_alert": params.flag("show_alert")}
        self.world._notify(ANSWERS)
        return True

    async def api_sendPhoto(self, params: Params) -> JSON:
        chat = self._chat_for_sending(params)
        body: JSON = {"photo": self._stored_photo(params.file("photo"))}
        if params.has("caption"):
            body["caption"] = self._text(
                params.text("caption"), params.text("parse_mode"), MAX_CAPTION, "caption"
            )
        return self._send(chat, params, body)

    async def api_sendMediaGroup(self, params: Params) -> list[JSON]:
        chat = self._chat_for_sending(params)
        media = params.parsed("media") or []
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the album")
        if self.world.faults.flood_limits:
            self.world.flood.check(chat, len(media), self._method)
        group_id = f"album-{len(self.world.files)}-{chat.id}"
        reply_to = (params.parsed("reply_parameters") or {}).get("message_id")
        if reply_to is not None and reply_to not in chat.messages:
            raise bad_request("message to be replied not found")
        sent = []
        for item in media:
            if item.get("type") != "photo":
                raise bad_request("only photo albums are supported here")
            ref = item.get("media", "")
            content = (
                params.uploads.get(ref.removeprefix("attach://"))
                if ref.startswith("attach://")
                else ref
            )
            body: JSON = {"photo": self._stored_photo(content), "media_group_id": group_id}
            if reply_to is not None:
                body["reply_to_message"] = chat.messages[reply_to]
            if item.get("caption"):
                body["caption"] = self._text(
                    item["caption"], item.get("parse_mode"), MAX_CAPTION, "caption"
                )
            sent.append(
                self.world.new_message(
                    chat, self.world.bot_user(), body, self._thread(chat, params)
                )
            )
        return sent

    async def api_sendDocument(self, params: Params) -> JSON:
        chat = self._chat_for_sending(params)
        content = params.file("document")
        if not isinstance(content, bytes):
            stored_doc = self.world.files.get(content or "")
            if stored_doc is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            stored_doc = self.world.store_file(content, "documents", "bin")
        body: JSON = {
            "document": {
                "file_id": stored_doc.file_id,
                "file_unique_id": stored_doc.unique_id,
                "file_size": len(stored_doc.content),
            }
        }
        if params.has("caption"):
            body["caption"] = self._text(
                params.text("caption"), params.text("parse_mode"), MAX_CAPTION, "caption"
            )
        return self._send(chat, params, body)

    async def api_sendVoice(self, params: Params) -> JSON:
        chat = self._chat_for_sending(params)
        content = params.file("voice")
        if isinstance(content, bytes):
            stored = self.world.store_file(content, "voice", "oga")
        else:
            found = self.world.files.get(content or "")
            if found is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            stored = found
        body: JSON = {
            "voice": {
                "file_id": stored.file_id,
                "file_unique_id": stored.unique_id,
                "duration": 1,
                "mime_type": "audio/ogg",
            }
        }
        return self._send(chat, params, body)

    async def api_sendLocation(self, params: Params) -> JSON:
        chat = self._chat_for_sending(params)
        try:
            latitude, longitude = (
                float(params.required("latitude")),
                float(params.required("longitude")),
            )
        except ValueError:
            raise bad_request("wrong latitude or longitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude")
        return self._send(
            chat, params, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    async def api_getFile(self, params: Params) -> JSON:
        stored = self.world.files.get(params.required("file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    async def api_getChat(self, params: Params) -> JSON:
        chat = self.world.chat(self._chat_id(params))
        info: JSON = {
            **chat.as_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.type == "private" and chat.id in self.world.users:
            info["first_name"] = self.world.users[chat.id].first_name
        return info

    async def api_getChatMember(self, params: Params) -> JSON:
        chat = self.world.chat(self._chat_id(params))
        user_id = params.integer("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.world.bot_id) else "left"
            user = (
                self.world.bot_user()
                if user_id == self.world.bot_id
                else self.world.users[chat.id].as_json()
            )
            return {"status": status, "user": user}
        if user_id not in chat.members and user_id not in self.world.users:
            raise bad_request("user not found")
        return self.world._member_json(chat, user_id)

    async def api_createForumTopic(self, params: Params) -> JSON:
        chat = self.world.chat(self._chat_id(params))
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if chat.members.get(self.world.bot_id) != "administrator":
            raise bad_request("not enough rights to create a topic")
        name = params.required("name")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_INVALID")
        thread_id = next(chat.next_id)
        chat.topics[thread_id] = name
        self.world.new_message(
            chat,
            self.world.bot_user(),
            {"forum_topic_created": {"name": name, "icon_color": 7322096}},
            thread_id,
        )
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}
