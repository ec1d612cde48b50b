"""No invisible rungs (issue 14, item 8), through the fake Telegram: the admins
hear at start-up which rungs nobody can see, `python -m bot check` names them,
and a case reaching one goes on to the rung above, the admins told."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.storage import SqliteStore
from tests.e2e.harness import ADMIN_ID, ROOT, Estate, running_estate
from tests.e2e.steps import file_case, last_text
from workflow.roles import Role


async def test_the_admins_hear_at_start_up_which_rungs_nobody_can_see(tmp_path: Path) -> None:
    async with running_estate(tmp_path, bind_groups=False, seed_people=False) as estate:
        admin = estate.world.users[ADMIN_ID]
        admin.send("/whoami")  # a chat the bot may write to (held back until then)
        await estate.settle()
        said = [m.text for m in admin.private.bot_messages()]

    # The admin has no language of their own yet: the estate's (zh-Hant).
    assert any("以下層級沒有人能看到" in text for text in said), said
    assert any("維修組長" in text and "物業經理" in text for text in said), said


async def test_a_repair_whose_lead_left_goes_to_the_repair_supervisor_and_the_admin_hears(
    estate: Estate,
) -> None:
    admin = estate.world.users[ADMIN_ID]
    lead = estate.staff(Role.REPAIR_LEAD)
    admin.send("/unbind", chat=estate.groups[Role.REPAIR_LEAD])
    admin.send(f"/revoke {lead.id}")
    await estate.settle()

    ref = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "Tap", urgency="🕒"
    )

    case = await estate.case(ref)
    assert case.rung is Role.REPAIR_SUPERVISOR
    card = await estate.card(Role.REPAIR_SUPERVISOR, ref)
    assert "Tap" in card.text
    assert "repair supervisor" in last_text(estate.resident("smith"))
    warned = await admin.wait_for_message(ref)
    assert "沒有人能看到" in warned.text  # the admin has no language of their own: the estate's
    assert "維修主管" in warned.text


def _check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = extra | {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "ESTATE_CONFIG": str(ROOT / "estate.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_check_names_the_rungs_nobody_can_see(tmp_path: Path) -> None:
    fresh = _check(tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert "no database yet" in fresh.stdout

    async with SqliteStore(tmp_path / "estate-desk.sqlite3"):
        pass  # an empty database: nothing bound, nobody invited
    checked = _check(tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "FAIL  rung repair_lead: no bound group and nobody holds the role" in checked.stdout


async def test_check_says_a_database_server_that_does_not_answer_is_not_a_fresh_start(
    tmp_path: Path,
) -> None:
    # Port 9 (discard) on this machine: nothing listens, the connection is refused.
    checked = _check(tmp_path, DATABASE_URL="postgresql://desk@127.0.0.1:9/desk")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "no database yet" not in checked.stdout
    assert "FAIL  database postgresql://desk@127.0.0.1:9/desk" in checked.stdout, checked.stdout


async def _nobody_in_repairs(estate: Estate, *roles: Role) -> None:
    admin = estate.world.users[ADMIN_ID]
    for role in roles:
        admin.send("/unbind", chat=estate.groups[role])
        admin.send(f"/revoke {estate.staff(role).id}")
    await estate.settle()


async def test_a_resident_is_told_who_really_has_the_case_when_it_climbs_past_an_unseen_rung(
    estate: Estate,
) -> None:
    await _nobody_in_repairs(estate, Role.REPAIR_SUPERVISOR)
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap", urgency="🕒")

    await estate.advance(timedelta(minutes=30))  # the lead does not acknowledge

    assert (await estate.case(ref)).rung is Role.CS_SUPERVISOR
    told = last_text(smith)
    assert "moved up to the customer-service supervisor" in told
    assert "repair supervisor" not in told


async def test_a_skip_to_a_rung_with_other_hours_promises_that_rungs_hours(
    estate: Estate,
) -> None:
    await _nobody_in_repairs(estate, Role.REPAIR_LEAD, Role.REPAIR_SUPERVISOR)
    # Saturday 14:00: the repair team works until 18:00, the office closed at 13:00.
    await estate.advance(timedelta(days=5, hours=5))
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🔧 Report a repair", "Tap", urgency="🕒")

    case = await estate.case(ref)
    assert case.rung is Role.CS_SUPERVISOR
    confirmation = next(m.text for m in smith.private.bot_messages() if ref in m.text)
    assert "customer-service supervisor starts at 9 Nov 09:00" in confirmation, confirmation
    assert "acknowledge it by 9 Nov 09:30" in confirmation, confirmation
