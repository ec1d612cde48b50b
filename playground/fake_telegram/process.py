"""A bot in its own process, pointed at the fake Telegram, and what drives it.

The whole-day and crash tests and the benchmarks run `python -m bot` the way
a deployment does: its own interpreter, its own core, killed for real. All the
caller can watch is Telegram (the fake) and the database file. Here too: an
estate seeded for such a run, and a resident filing through the conversation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.storage import store_at
from playground.fake_telegram.server import FakeTelegramServer
from playground.fake_telegram.world import Chat, FakeUser, World
from workflow.directory import Person, RoleGroup
from workflow.roles import STAFF_ROLES, Role

ROOT = Path(__file__).resolve().parents[2]
# A large estate for bursts: 3 blocks of 40 floors x 8 flats, one household a unit.
ESTATE = ROOT / "bench" / "estate.toml"


def bot_environment(
    server: FakeTelegramServer, database: str | Path, **settings: object
) -> dict[str, str]:
    """The environment for `python -m bot` against `server` and `database` (a
    SQLite file, or a postgresql:// URL); `settings` are extra settings by name
    (sweep_seconds=0.2 becomes SWEEP_SECONDS=0.2)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": server.world.token,
        "BOT_API_URL": server.base_url,
        "BOT_FILE_URL": server.file_url,
        "DATABASE_PATH" if isinstance(database, Path) else "DATABASE_URL": str(database),
        "ESTATE_CONFIG": str(ROOT / "estate.toml"),
    }
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


def token_variable(estate_id: str) -> str:
    """The environment variable a company file names for an estate's token."""
    return f"BOT_TOKEN_{estate_id.upper()}"


def write_company(
    directory: Path,
    estates: Mapping[str, World],
    staff: Sequence[int],
    *,
    estate_files: Mapping[str, Path] | None = None,
    name: str = "Harbour Property Management",
) -> Path:
    """A company file (COMPANY_CONFIG) in `directory` for `estates` (estate id ->
    the fake bot it is reached through), each with the estate file given in
    `estate_files` (default: the repository's estate.toml), its token in
    BOT_TOKEN_<ID>; `staff` hold the company role."""
    lines = [
        "[company]",
        f'name = "{name}"',
        f"staff = [{', '.join(str(user_id) for user_id in staff)}]",
    ]
    for estate_id in estates:
        config = (estate_files or {}).get(estate_id, ROOT / "estate.toml")
        lines += [
            "",
            "[[estates]]",
            f'id = "{estate_id}"',
            f'config = "{config}"',
            f'token_env = "{token_variable(estate_id)}"',
        ]
    path = directory / "company.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def company_environment(
    server: FakeTelegramServer,
    database: str,
    company_file: Path,
    estates: Mapping[str, World],
    **settings: object,
) -> dict[str, str]:
    """The environment for `python -m bot` serving every estate of `company_file`
    (see write_company) on one PostgreSQL `database`, each through its fake bot."""
    env = bot_environment(server, database, company_config=company_file, **settings)
    del env["BOT_TOKEN"], env["ESTATE_CONFIG"]
    env.update({token_variable(estate_id): world.token for estate_id, world in estates.items()})
    return env


class BotProcess:
    """`python -m bot` (or another module) started, stopped and SIGKILLed on request."""

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: Path,
        module: Sequence[str] = ("-m", "bot"),
        log_name: str = "bot.log",
    ) -> None:
        self.env, self.cwd = dict(env), cwd
        self.argv = [sys.executable, *module]
        self.log_path = cwd / log_name
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=log, stderr=log
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (the bot shuts down cleanly), then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


async def seed_estate(
    db: str | Path, world: World, residents: int, first_id: int, *, estate_id: str = ""
) -> tuple[list[FakeUser], list[Chat]]:
    """Registered residents (who have opened the bot) and a bound group for every
    staff role but the guards, in the database and in the fake. With `estate_id`,
    the estate of a company (COMPANY_CONFIG) whose bot `world` is: its tables in
    its own schema of the PostgreSQL database `db`."""
    people, groups = [], []
    admin = world.user(1, "Admin", language_code="en")
    schema = f"estate_{estate_id}" if estate_id else None
    async with (
        store_at(db, schema=schema, estate_id=estate_id) as store,
        store.transaction() as tx,
    ):
        now = datetime.now(UTC)
        for role in sorted(STAFF_ROLES - {Role.GUARD}):
            chat = world.group(f"{role} group", [admin])
            await tx.bind_group(RoleGroup(role=role, chat_id=chat.id, title=chat.title or ""))
            groups.append(chat)
        for i in range(residents):
            user = world.user(first_id + i, f"R{i}", language_code="en")
            world.started.add(user.id)
            await tx.save_person(
                Person(
                    user_id=user.id,
                    name=user.first_name,
                    language="en",
                    building="ABC"[i // 320 % 3],
                    unit=f"{i // 8 % 40 + 1}{'ABCDEFGH'[i % 8]}",  # one household a unit
                    resident_status="approved",
                ),
                now,
            )
            people.append(user)
    world.updates.clear()  # the groups' "bot added" updates: set up already
    return people, groups


async def file_in_english(
    resident: FakeUser,
    menu: str,
    text: str,
    *,
    urgent: bool = False,
    pause: Callable[[], Awaitable[None]] | None = None,
    timeout: float = 60.0,
    replies: list[float] | None = None,
) -> float:
    """A resident (registered, writing in English) files a case through the whole
    conversation: `menu`, "My flat", "Urgent" if asked, `text`, Done, Confirm.
    `pause` runs before each answer after the first (a person thinking);
    `replies` collects how long each answer waited for the bot. Returns the
    seconds from Confirm to the confirmation; TimeoutError if the bot went quiet."""
    steps: list[tuple[str | None, str, bool]] = [  # (button to press, what comes back, a button?)
        (None, "My flat", True),
        ("My flat", "Urgent" if urgent else "Describe", urgent),
        *([("Urgent", "Describe", False)] if urgent else []),
        (None, "Done", True),
        ("Done", "Confirm", True),
        ("Confirm", "is recorded", False),
    ]
    after, shown, took = resident.last_message_id(), None, 0.0
    for number, (press, expect, is_button) in enumerate(steps):
        if pause is not None and number:
            await pause()
        sent = time.perf_counter()
        if press is None:
            resident.send(menu if number == 0 else text)
            wait = resident.wait_for_button if is_button else resident.wait_for_message
            shown = await wait(expect, after=after, timeout=timeout)
        else:
            # A press turns the pressed message into the next step (or a new one follows).
            assert shown is not None
            resident.press(shown, press)
            shown = await resident.wait_for_reply(
                shown,
                "" if is_button else expect,
                expect if is_button else "",
                timeout=timeout,
            )
        took = time.perf_counter() - sent
        if replies is not None:
            replies.append(took)
        after = shown.message_id
    return took
