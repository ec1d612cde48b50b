"""`python -m bot doctor` against the fake Telegram: what an office would
otherwise learn from a silent group."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.doctor import diagnose
from tests.e2e.harness import running_estate
from workflow.reach import rungs_in_use, unreachable
from workflow.roles import Role
from workflow.routing import RoutingTable


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("FAIL")]


async def test_a_ready_estate_passes_every_check(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        found = [f.line() for f in await diagnose(estate.settings, estate.estate)]

    assert failures(found) == []
    assert any("token: the bot is @estate_desk_bot" in line for line in found)
    assert any("repair_lead group" in line and "reachable" in line for line in found)
    assert any(line.startswith("ok") and "every rung" in line for line in found)


async def test_a_group_the_bot_was_removed_from_and_a_bad_token_are_named(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path) as estate:
        group = estate.groups[Role.CLEANING_LEAD]
        group.members[estate.world.bot_id] = "kicked"
        found = [f.line() for f in await diagnose(estate.settings, estate.estate)]
        forged = estate.settings.model_copy(update={"bot_token": SecretStr("1:WRONG")})
        with_bad_token = [f.line() for f in await diagnose(forged, estate.estate)]

    assert failures(found) == [
        f"FAIL  cleaning_lead group {group.title} ({group.id}): "
        "the bot is no longer in the group (kicked)"
    ]
    assert any("Telegram at" in line for line in failures(with_bad_token))


async def test_a_missing_database_and_a_missing_font_fail_the_check(tmp_path: Path) -> None:
    async with running_estate(tmp_path) as estate:
        elsewhere = estate.settings.model_copy(update={"database_path": tmp_path / "none.db"})
        found = [f.line() for f in await diagnose(elsewhere, estate.estate, font=lambda: None)]

    assert any("none.db: not there yet" in line for line in failures(found))
    assert any("no CJK font" in line for line in failures(found))
    assert not (tmp_path / "none.db").exists()


def test_a_rung_with_no_group_and_no_holder_is_a_gap() -> None:
    rungs = rungs_in_use(RoutingTable.default())
    everyone_but_the_cleaning_supervisor = [r for r in rungs if r is not Role.CLEANING_SUPERVISOR]

    assert Role.CLEANING_SUPERVISOR in rungs
    assert Role.MANAGER in rungs
    assert unreachable(rungs, everyone_but_the_cleaning_supervisor, []) == [
        Role.CLEANING_SUPERVISOR
    ]
    assert (
        unreachable(rungs, [], [Role.CLEANING_SUPERVISOR, *everyone_but_the_cleaning_supervisor])
        == []
    )
