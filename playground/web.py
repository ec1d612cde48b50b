"""The playground: the whole estate on one machine, before any bot token.

`python -m bot` without BOT_TOKEN starts the fake Telegram, the real bot
pointed at it, and a web page that shows a resident's phone, a guard's phone
and the staff group chats side by side, with a demo estate already set up and
a control to fast-forward time. Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from telegram.ext import Application

from bot.app import build_application
from bot.scheduler import run_timers
from bot.services import services
from bot.settings import Settings
from bot.storage import SqliteStore
from playground.fake_telegram import Chat, FakeTelegramServer, World
from playground.fake_telegram.world import _shown
from workflow.clock import SimulatedClock
from workflow.directory import Person, RoleGroup
from workflow.estate import EstateConfig
from workflow.roles import Role

log = logging.getLogger(__name__)

PAGE = Path(__file__).with_name("playground.html")
DEMO_STAFF: dict[Role, tuple[int, str, str]] = {
    Role.FRONT_DESK: (10, "Fiona (front desk)", "zh-Hant"),
    Role.REPAIR_LEAD: (20, "Leo (repair lead)", "zh-Hant"),
    Role.REPAIR_SUPERVISOR: (21, "Sam (repair supervisor)", "zh-Hant"),
    Role.CLEANING_LEAD: (22, "Cleo (cleaning lead)", "zh-Hant"),
    Role.CLEANING_SUPERVISOR: (23, "Cora (cleaning supervisor)", "zh-Hant"),
    Role.SECURITY_CAPTAIN: (24, "Cap (security captain)", "zh-Hant"),
    Role.SECURITY_SUPERVISOR: (25, "Sue (security supervisor)", "zh-Hant"),
    Role.GUARD: (26, "Gus (guard)", "zh-Hant"),
    Role.CS_SUPERVISOR: (30, "Cindy (cs supervisor)", "en"),
    Role.MANAGER: (40, "Max (manager)", "en"),
}
# Residents of the demo estate (names in their own languages): user id, name,
# language, block, unit, phone.
DEMO_RESIDENTS: list[tuple[int, str, str, str, str, str]] = [
    tuple(row)
    for row in json.loads(Path(__file__).with_name("playground.json").read_text(encoding="utf-8"))[
        "residents"
    ]
]
TELEGRAM_TAG = {"zh-Hant": "zh-hant", "zh-Hans": "zh-hans", "en": "en"}
ADMIN = (1, "Ada (admin)")
# Someone who has just moved in: not registered, to play registration and approval.
NEWCOMER = (104, "李嘉欣", "zh-Hant")
SPARE_GROUP = "New group (not bound yet)"


@dataclass
class Playground:
    fake: FakeTelegramServer
    app: Application  # type: ignore[type-arg]
    clock: SimulatedClock
    web: web.AppRunner
    url: str
    groups: dict[Role, Chat]
    database: Path
    temporary: bool = False

    @property
    def world(self) -> World:
        return self.fake.world

    async def stop(self) -> None:
        app = self.app
        with contextlib.suppress(Exception):
            assert app.updater is not None
            await app.updater.stop()
            await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
        await self.web.cleanup()
        await self.fake.stop()
        if self.temporary:
            await asyncio.to_thread(shutil.rmtree, self.database.parent, True)


async def start_playground(
    settings: Settings,
    estate: EstateConfig,
    *,
    port: int | None = None,
    database: Path | None = None,
    start: datetime | None = None,
) -> Playground:
    """`start`: the simulated time to begin at (now by default; outside office
    hours a non-urgent case waits for its team, as in a real estate)."""
    world = World()
    fake = await FakeTelegramServer(world).start()
    temporary = database is None
    if database is None:
        # Every playground starts from the same demo, in a folder of its own: it never
        # touches the working directory or DATABASE_PATH (a real estate's database).
        database = Path(tempfile.mkdtemp(prefix="estate-desk-playground-")) / "playground.sqlite3"
    await _seed(database)
    clock = SimulatedClock(start or datetime.now(UTC))
    config = settings.model_copy(
        update={
            "bot_token": SecretStr(world.token),
            "bot_api_url": fake.base_url,
            "bot_file_url": fake.file_url,
            "database_path": database,
            "admin_ids": [1],
            "sweep_seconds": 2.0,
        }
    )
    app = build_application(config, estate, clock=clock)
    groups = _demo_world(world)
    await app.initialize()
    assert app.post_init is not None
    assert app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=5)
    await app.start()
    for role, chat in groups.items():  # the front desk and teams bind their groups
        async with services(app).store.transaction() as tx:
            await tx.bind_group(RoleGroup(role=role, chat_id=chat.id, title=chat.title or ""))
    runner = web.AppRunner(_web_app(world, app, clock, groups), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.playground_port if port is None else port)
    await site.start()
    server = site._server
    assert server is not None
    bound = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return Playground(
        fake, app, clock, runner, f"http://127.0.0.1:{bound}", groups, database, temporary
    )


async def _seed(database: Path) -> None:
    now = datetime.now(UTC)
    async with SqliteStore(database) as store, store.transaction() as tx:
        for role, (user_id, name, language) in DEMO_STAFF.items():
            await tx.save_person(
                Person(user_id=user_id, name=name, language=language, roles=[role]), now
            )
        for user_id, name, language, building, unit, phone in DEMO_RESIDENTS:
            await tx.save_person(
                Person(
                    user_id=user_id,
                    name=name,
                    language=language,
                    building=building,
                    unit=unit,
                    phone=phone,
                    resident_status="approved",
                ),
                now,
            )
        await tx.set_duty(DEMO_STAFF[Role.GUARD][0], True, now)  # the guard starts on duty


def _demo_world(world: World) -> dict[Role, Chat]:
    admin = world.user(ADMIN[0], ADMIN[1], language_code="en")
    newcomer = world.user(NEWCOMER[0], NEWCOMER[1], language_code=TELEGRAM_TAG[NEWCOMER[2]])
    for user_id, name, language in DEMO_STAFF.values():
        world.user(user_id, name, language_code=TELEGRAM_TAG[language]).send("/start")
    for user_id, name, language, *_ in DEMO_RESIDENTS:
        world.user(user_id, name, language_code=TELEGRAM_TAG[language]).send("/start")
    groups = {}
    for role in (
        Role.FRONT_DESK,
        Role.REPAIR_LEAD,
        Role.REPAIR_SUPERVISOR,
        Role.CLEANING_LEAD,
        Role.CLEANING_SUPERVISOR,
        Role.SECURITY_CAPTAIN,
        Role.SECURITY_SUPERVISOR,
        Role.CS_SUPERVISOR,
        Role.MANAGER,
    ):
        user_id, name, _ = DEMO_STAFF[role]
        groups[role] = world.group(
            f"{name.split('(')[1].rstrip(')')} group", [admin, world.users[user_id]]
        )
    # For the admin to try /bind: a group the bot is in but that serves no role yet.
    world.group(SPARE_GROUP, [admin])
    del newcomer  # they open the bot themselves, from the page
    return groups


# --- the web page and its small API ------------------------------------------------


def _web_app(
    world: World,
    app: Application,  # type: ignore[type-arg]
    clock: SimulatedClock,
    groups: dict[Role, Chat],
) -> web.Application:
    site = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")

    async def state(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "now": clock.now().astimezone(services(app).estate.zone).strftime("%Y-%m-%d %H:%M"),
                "residents": [
                    *(_person(world, r[0]) for r in DEMO_RESIDENTS),
                    {"user_id": NEWCOMER[0], "name": f"{NEWCOMER[1]} (new: not registered)"},
                ],
                "guards": [
                    _person(world, DEMO_STAFF[Role.GUARD][0]),
                    {"user_id": ADMIN[0], "name": f"{ADMIN[1]}: /invite, /health, /export"},
                    *(
                        _person(world, user_id)
                        for role, (user_id, _, _) in DEMO_STAFF.items()
                        if role is not Role.GUARD
                    ),
                ],
                "groups": [
                    *(
                        {
                            "chat_id": chat.id,
                            "title": chat.title,
                            "role": str(role),
                            "member": DEMO_STAFF[role][0],
                        }
                        for role, chat in groups.items()
                    ),
                    *(
                        {"chat_id": chat.id, "title": chat.title, "role": "", "member": ADMIN[0]}
                        for chat in world.chats.values()
                        if chat.title == SPARE_GROUP
                    ),
                ],
                "admin": ADMIN[0],
                "chats": {
                    str(chat_id): _chat(world.chats[chat_id])
                    for chat_id in _visible(world, groups)
                    if chat_id in world.chats
                },
            }
        )

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        user = world.users[int(body["user_id"])]
        chat = world.chats.get(int(body.get("chat_id", user.id)))
        text = str(body.get("text", "")).strip()
        if body.get("contact"):
            user.send_contact(DEMO_PHONE.get(user.id, "+85290000000"))
        elif text:
            reply_to = None
            if chat is not None and chat.type != "private":
                # In a group, answer the bot's last question (a ForceReply prompt).
                asks = [m for m in chat.bot_messages() if m.message_id in chat.other_markup]
                reply_to = asks[-1] if asks else None
            user.send(
                text, chat=chat if chat and chat.type != "private" else None, reply_to=reply_to
            )
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user = world.users[int(body["user_id"])]
        chat = world.chats[int(body["chat_id"])]
        message = chat.messages.get(int(body["message_id"]))
        if message is None:
            return web.json_response({"ok": False}, status=404)
        query = user.press_data(_shown(chat, message), str(body["data"]))
        answer = await user.answer_to(query, timeout=5)
        return web.json_response({"ok": True, "answer": answer.text})

    async def advance(request: web.Request) -> web.Response:
        body = await request.json()
        minutes = max(1, min(int(body.get("minutes", 15)), 7 * 24 * 60))
        step = timedelta(minutes=minutes)
        # Move in steps so each deadline on the way fires in its turn.
        for _ in range(min(minutes // 5, 48) or 1):
            clock.advance(step / (min(minutes // 5, 48) or 1))
            await run_timers(app)
        return web.json_response({"ok": True})

    async def photo(request: web.Request) -> web.Response:
        """The user sends a photo (a drawn one: the playground has no camera)."""
        body = await request.json()
        user = world.users[int(body["user_id"])]
        chat = world.chats.get(int(body.get("chat_id", user.id)))
        user.send_photo(
            demo_photo(), chat=chat if chat is not None and chat.type != "private" else None
        )
        return web.json_response({"ok": True})

    async def download(request: web.Request) -> web.Response:
        """A photo, chart or export the bot sent, as the phone would open it."""
        stored = world.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        kind, name = _file_kind(stored.content)
        headers = {"Content-Disposition": f'inline; filename="{name}"'}
        return web.Response(body=stored.content, content_type=kind, headers=headers)

    site.router.add_get("/", page)
    site.router.add_post("/api/photo", photo)
    site.router.add_get("/api/file/{file_id}", download)
    site.router.add_get("/api/state", state)
    site.router.add_post("/api/send", send)
    site.router.add_post("/api/press", press)
    site.router.add_post("/api/advance", advance)
    return site


DEMO_PHONE = {user_id: phone for user_id, _, _, _, _, phone in DEMO_RESIDENTS}


def _visible(world: World, groups: dict[Role, Chat]) -> list[int]:
    return (
        [r[0] for r in DEMO_RESIDENTS]
        + [NEWCOMER[0], ADMIN[0]]
        + [user_id for user_id, _, _ in DEMO_STAFF.values()]
        + [chat.id for chat in groups.values()]
        + [chat.id for chat in world.chats.values() if chat.title == SPARE_GROUP]
    )


@functools.cache
def demo_photo() -> bytes:
    """A small JPEG of a dripping pipe (the playground has no camera), drawn once."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (214, 222, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 120, 440, 160), fill=(120, 130, 140))
    draw.ellipse((230, 180, 250, 210), fill=(40, 110, 200))
    draw.ellipse((232, 240, 248, 262), fill=(40, 110, 200))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _file_kind(content: bytes) -> tuple[str, str]:
    if content.startswith(b"\x89PNG"):
        return "image/png", "chart.png"
    if content.startswith(b"\xff\xd8"):
        return "image/jpeg", "photo.jpg"
    if content.startswith(b"PK"):
        return (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "cases.xlsx",
        )
    return "application/octet-stream", "file.bin"


def _person(world: World, user_id: int) -> dict[str, Any]:
    user = world.users[user_id]
    return {"user_id": user_id, "name": user.first_name}


def _pin(location: dict[str, float] | None) -> str:
    """A map pin as the page shows it: the phone would draw a map."""
    if not location:
        return ""
    return f"📍 {location['latitude']:.5f}, {location['longitude']:.5f}"


def _chat(chat: Chat) -> dict[str, Any]:
    messages = []
    for shown in chat.view():
        messages.append(
            {
                "id": shown.message_id,
                "from_bot": shown.from_bot,
                "text": shown.text or _pin(shown.raw.get("location")),
                "html": chat.markup.get(shown.message_id),
                "photo": bool(shown.photos),
                "file": shown.photos[0] if shown.photos else shown.document,
                "buttons": [
                    [{"text": b.text, "data": b.callback_data} for b in row]
                    for row in shown.buttons
                ],
            }
        )
    keyboard = [[b.get("text", "") for b in row] for row in (chat.keyboard or [])]
    contact = any(b.get("request_contact") for row in (chat.keyboard or []) for b in row)
    return {"messages": messages[-60:], "keyboard": keyboard, "asks_contact": contact}


async def run_playground(settings: Settings, estate: EstateConfig) -> None:
    playground = await start_playground(settings, estate)
    print(
        f"estate-desk playground (a local simulation: nothing is sent to Telegram)\n"
        f"  open {playground.url} in your browser; Ctrl-C to stop.\n"
        f"  To run the real bot, put BOT_TOKEN in .env (see .env.example).\n"
        f"  (demo database: {playground.database}, deleted when the playground stops)",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await playground.stop()
