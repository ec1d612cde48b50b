"""The fake Bot API over HTTP (aiohttp), on 127.0.0.1 and a free port.

One server can serve several bots, as Telegram does: each token has a World of
its own (its chats, its update queue, its webhook), and a person keeps their
user id in every bot's world, as on Telegram (`world.user(id, ...)` in each).
The first World is `server.world`; `server.add_bot()` adds another."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from aiohttp import web

from playground.fake_telegram.api import BotApi, Params
from playground.fake_telegram.world import TelegramError, World

WORLD_KEY = web.AppKey("world", World)


class FakeTelegramServer:
    def __init__(
        self, world: World | None = None, host: str = "127.0.0.1", port: int = 0, seed: int = 7
    ) -> None:
        self.world = world or World()
        self.api = BotApi(self.world)
        # token -> (world, api): the bots this server answers for, the first one first.
        self.bots: dict[str, tuple[World, BotApi]] = {self.world.token: (self.world, self.api)}
        self.host = host
        self.port = port
        self.random = random.Random(seed)
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app[WORLD_KEY] = self.world
        self.app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner: web.AppRunner | None = None

    def add_bot(self, world: World | str, username: str | None = None) -> World:
        """Serve one more bot: a World (or a token, "<bot id>:<secret>", for a new one
        named `username`). Its clock is this server's first world's clock unless
        the World given has one of its own. Returns the bot's World."""
        if isinstance(world, str):
            bot_id = world.split(":", 1)[0]
            world = World(world, username or f"estate_desk_{bot_id}_bot")
            world.clock = self.world.clock
        if world.token in self.bots:
            raise ValueError(f"the fake already serves a bot with token {world.token!r}")
        self.bots[world.token] = (world, BotApi(world))
        return world

    @property
    def worlds(self) -> list[World]:
        """Every bot's World, the first one first."""
        return [world for world, _ in self.bots.values()]

    def bot(self, token: str) -> World:
        """The World of the bot with `token` (KeyError if this server has none)."""
        return self.bots[token][0]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> FakeTelegramServer:
        # A long poll the bot gave up on (it stopped) ends with it, as on Telegram:
        # otherwise stopping waits out the poll's timeout.
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        for _, api in self.bots.values():
            await api.webhook.delete()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _bot_api(self, request: web.Request) -> web.Response:
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        world, api = bot
        params = await _params(request)
        faults = world.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if faults.timeout_rate and self.random.random() < faults.timeout_rate:
            faults.held += 1
            await asyncio.sleep(faults.timeout_hold)
        if faults.updates_errors and request.match_info["method"] == "getUpdates":
            code = faults.updates_errors.pop(0)
            return _json(
                {"ok": False, "error_code": code, "description": UPDATES_ERRORS[code]}, code
            )
        if faults.error_rate and self.random.random() < faults.error_rate:
            return _json({"ok": False, "error_code": 502, "description": "Bad Gateway"}, 502)
        try:
            result = await api.call(request.match_info["method"], params)
        except TelegramError as error:
            return _json(error.payload(), error.code)
        return _json({"ok": True, "result": _public(result)})

    async def _download(self, request: web.Request) -> web.Response:
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return web.Response(status=401)
        path = request.match_info["path"]
        stored = next((f for f in bot[0].files.values() if f.path == path), None)
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.content)


UPDATES_ERRORS = {
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


async def _params(request: web.Request) -> Params:
    fields: dict[str, str] = dict(request.query)
    uploads: dict[str, bytes] = {}
    if request.content_type == "application/json":
        body = await request.json()
        fields.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
    elif request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                uploads[name] = value.file.read()
            else:
                fields[name] = str(value)
    return Params(fields, uploads)


def _public(result: Any) -> Any:
    """Drop the fake's private keys (leading underscore) from what the bot sees."""
    if isinstance(result, dict):
        return {k: _public(v) for k, v in result.items() if not k.startswith("_")}
    if isinstance(result, list):
        return [_public(v) for v in result]
    return result


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
