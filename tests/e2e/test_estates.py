"""A company of two estates served by one `python -m bot` (COMPANY_CONFIG) on
one PostgreSQL database, each estate its own bot on the fake Telegram: a
resident files in each; each estate's staff group sees only its own case; the
company's staff get both estates' figures and one register of both; a
resident asking for the company's figures is refused. One lease for the
deployment: a standby takes over both estates when the leader dies."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from playground.fake_telegram import Chat, FakeTelegramServer, World
from playground.fake_telegram.process import (
    ESTATE,
    BotProcess,
    company_environment,
    file_in_english,
    seed_estate,
    write_company,
)
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.e2e.test_standby import wait_for_line
from workflow.roles import Role

pytestmark = [
    pytest.mark.engines,
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="several estates share a PostgreSQL database; with SQLite, COMPANY_CONFIG "
        "is refused (tests/test_company_config.py)",
    ),
]

BOSS = 900_001  # holds the company role: in the company file's staff
NAMES = {"shatin": "Sha Tin Gardens", "taipo": "Tai Po Court"}
STEP = 30.0


def estate_file(tmp_path: Path, estate_id: str) -> Path:
    text = ESTATE.read_text(encoding="utf-8").replace(
        'name = "Benchmark Towers"', f'name = "{NAMES[estate_id]}"', 1
    )
    path = tmp_path / f"{estate_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def shows(chat: Chat, words: str) -> bool:
    return any(words in m.text for m in chat.bot_messages())


async def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with the deployment's environment."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def polled(world: World, since: int = 0) -> bool:
    """The bot asked this world for updates (after its first `since` calls)."""
    return "getUpdates" in world.calls[since:]


def cleaning_group(world: World) -> int:
    return next(c.id for c in world.chats.values() if c.title == f"{Role.CLEANING_LEAD} group")


async def test_two_estates_in_one_process_each_keep_their_own_and_the_company_sees_both(
    tmp_path: Path,
) -> None:
    shatin, taipo = World("111111:SHATIN", "shatin_desk_bot"), World("222222:TAIPO", "taipo_bot")
    estates = {"shatin": shatin, "taipo": taipo}
    db = await fresh_database()
    try:
        [ann], _ = await seed_estate(db, shatin, 1, 60_000, estate_id="shatin")
        [bob], _ = await seed_estate(db, taipo, 1, 70_000, estate_id="taipo")
        company_file = write_company(
            tmp_path,
            estates,
            [BOSS],
            estate_files={e: estate_file(tmp_path, e) for e in estates},
        )
        async with FakeTelegramServer(shatin) as server:
            server.add_bot(taipo)
            env = company_environment(
                server, str(db), company_file, estates, log_level="WARNING", admin_ids=BOSS
            )
            bot = BotProcess(env, tmp_path)
            bot.start()
            try:
                await file_in_english(
                    ann, "🧹 Cleaning problem", "Rubbish outside Ann's door", timeout=STEP
                )
                await file_in_english(
                    bob, "🧹 Cleaning problem", "Broken glass by Bob's lift", timeout=STEP
                )
                # Each estate's cleaning group sees its own case, never the other's.
                for world, own, other in ((shatin, "Ann's", "Bob's"), (taipo, "Bob's", "Ann's")):
                    group = world.chats[cleaning_group(world)]
                    await world.wait_for(
                        lambda: shows(group, own),  # noqa: B023 (awaited here, in the loop)
                        timeout=STEP,
                        what=f"the case with {own} in its estate's cleaning group",
                    )
                    assert not shows(group, other)

                boss = shatin.user(BOSS, "Boss", language_code="en")
                taipo.user(BOSS, "Boss", language_code="en")  # the same person in both bots
                boss.send("/report company month")
                figures = await boss.wait_for_message("All estates", timeout=STEP)
                assert "Sha Tin Gardens" in figures.text
                assert "Tai Po Court" in figures.text
                assert "(1 case)" in figures.text  # each estate's own
                assert "(2 cases)" in figures.text  # the company's total

                after = boss.last_message_id()
                boss.send("/export company month")
                sent = await boss.wait_for_message("every estate", after=after, timeout=STEP)
                assert sent.document is not None
                book = load_workbook(io.BytesIO(shatin.files[sent.document].content))
                rows = list(book.worksheets[0].iter_rows(values_only=True))
                assert rows[0][0] == "Estate"
                assert sorted(str(r[0]) for r in rows[1:]) == ["shatin", "taipo"]

                # A period it cannot read gets the usage; in a group, the figures
                # are not shown there: the company's staff are asked to write privately.
                after = boss.last_message_id()
                boss.send("/report company yesterday-ish")
                usage = await boss.wait_for_message("Usage:", after=after, timeout=STEP)
                assert "/report company [today|week|month" in usage.text
                group = shatin.chats[cleaning_group(shatin)]
                group.members[BOSS] = "member"
                after = boss.last_message_id(group)
                boss.send("/report company month", chat=group)
                private = await boss.wait_for_message(  # the group's language: zh-Hant
                    "公司數據只會私下傳送", chat=group, after=after, timeout=STEP
                )
                assert "Tai Po Court" not in private.text
                assert not any("全部屋苑" in m.text for m in group.bot_messages())

                # /health reads the estate's own schema (an admin of every estate).
                boss_in_taipo = taipo.users[BOSS]
                boss_in_taipo.send("/health")
                health = await boss_in_taipo.wait_for_message("Bot health", timeout=STEP)
                assert "Open cases by rung: cleaning team lead (1)" in health.text, health.text
                # The estate's bound groups, not another schema's: only the guards unseen.
                assert "nobody holds the role): on-duty guard\n" in health.text, health.text

                # A resident of one estate is refused the company's figures.
                after = ann.last_message_id()
                ann.send("/report company")
                refused = await ann.wait_for_message(after=after, timeout=STEP)
                assert "not allowed" in refused.text
                assert "All estates" not in ann.transcript()
            finally:
                bot.stop()
            assert bot.process is not None
            assert bot.process.returncode == 0, bot.log()  # SIGTERM: every estate stopped in order
            assert "Traceback" not in bot.log(), bot.log()
            # The same register from the command line.
            out = tmp_path / "company.xlsx"
            result = await cli(env, tmp_path, "export", "--company", "--out", str(out))
            assert result.returncode == 0, result.stderr
            assert "2 cases of 2 estates" in result.stdout
            rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
            assert sorted(str(r[0]) for r in rows[1:]) == ["shatin", "taipo"]
            # check and doctor read each estate's own schema (seeded without guards).
            checked = await cli(env, tmp_path, "check")
            for estate_id in estates:
                assert f"FAIL  {estate_id}: rung guard: no bound group" in checked.stdout, (
                    checked.stdout + checked.stderr
                )
            doctor = await cli(env, tmp_path, "doctor")
            for estate_id in estates:
                assert f"ok    {estate_id}: database " in doctor.stdout, doctor.stdout
                assert f"schema estate_{estate_id}): version " in doctor.stdout
            assert "Traceback" not in checked.stderr + doctor.stderr
    finally:
        await drop_database(db)


async def test_a_standby_takes_over_every_estate_of_the_company_at_once(tmp_path: Path) -> None:
    shatin, taipo = World("111111:SHATIN", "shatin_desk_bot"), World("222222:TAIPO", "taipo_bot")
    estates = {"shatin": shatin, "taipo": taipo}
    db = await fresh_database()
    try:
        [ann], _ = await seed_estate(db, shatin, 1, 60_000, estate_id="shatin")
        [bob], _ = await seed_estate(db, taipo, 1, 70_000, estate_id="taipo")
        company_file = write_company(tmp_path, estates, [BOSS])
        async with FakeTelegramServer(shatin) as server:
            server.add_bot(taipo)
            env = company_environment(server, str(db), company_file, estates, log_level="WARNING")
            leader = BotProcess(env, tmp_path, log_name="leader.log")
            standby = BotProcess(env, tmp_path, log_name="standby.log")
            leader.start()
            try:
                for world in (shatin, taipo):
                    await world.wait_for(lambda: polled(world), timeout=STEP)  # noqa: B023
                standby.start()
                await wait_for_line(standby, "waiting to take over", timeout=STEP)
                leader.kill()
                calls = {id(w): len(w.calls) for w in (shatin, taipo)}
                for world in (shatin, taipo):  # the standby polls both bots once it serves
                    await world.wait_for(
                        lambda: polled(world, since=calls[id(world)]),  # noqa: B023
                        timeout=STEP,
                        what="the standby polling this estate's bot",
                    )
                await file_in_english(ann, "🧹 Cleaning problem", "Rubbish by Ann", timeout=STEP)
                await file_in_english(bob, "🧹 Cleaning problem", "Rubbish by Bob", timeout=STEP)
                assert "this instance serves" in standby.log()
            finally:
                leader.stop()
                standby.stop()
    finally:
        await drop_database(db)
