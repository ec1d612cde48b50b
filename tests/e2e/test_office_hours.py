"""Office hours with the default settings: a general complaint at night waits
for the team's morning, an urgent leak does not; the resident is told when to
expect an answer both times."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.harness import ROOT, Estate, running_estate
from tests.e2e.steps import file_case, last_text
from workflow.estate import EstateConfig
from workflow.roles import Role

MONDAY_23_00 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # in Hong Kong
TUESDAY_02_00 = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def mentions(estate: Estate, role: Role, ref: str) -> list[str]:
    return [m.text for m in estate.groups[role].bot_messages() if ref in m.text]


async def test_a_cleaning_complaint_at_23_00_waits_for_the_cleaning_team_in_the_morning(
    estate: Estate,
) -> None:
    estate.clock.set(MONDAY_23_00)
    smith = estate.resident("smith")
    ref = await file_case(estate, smith, "🧹 Cleaning problem", "Rubbish on the stairs")

    receipt = last_text(smith)
    assert "starts at tomorrow 07:00" in receipt, receipt
    assert "acknowledge it by tomorrow 07:30" in receipt, receipt
    assert mentions(estate, Role.FRONT_DESK, ref), "the desk's record goes at once"
    assert not mentions(estate, Role.CLEANING_LEAD, ref)

    smith.send("📋 My cases")
    await estate.settle()
    assert "tomorrow 07:30" in last_text(smith), "My cases says the same"

    for _ in range(7):  # to 06:00, hour by hour
        await estate.advance(timedelta(hours=1))
    await estate.advance(timedelta(minutes=59))  # 06:59
    for role in Role:
        if role in estate.groups and role is not Role.FRONT_DESK:
            assert not mentions(estate, role, ref), f"nothing to the {role} at night"

    await estate.advance(timedelta(minutes=1))  # 07:00, the cleaning team starts
    card = await estate.card(Role.CLEANING_LEAD, ref)
    assert "Rubbish on the stairs" in card.text
    assert not mentions(estate, Role.MANAGER, ref)


async def test_an_urgent_leak_at_02_00_reaches_the_repair_lead_at_once(estate: Estate) -> None:
    estate.clock.set(TUESDAY_02_00)
    smith = estate.resident("smith")
    ref = await file_case(
        estate, smith, "🔧 Report a repair", "Water pouring from the ceiling", urgency="🚨"
    )
    assert "within 30 minutes" in last_text(smith)
    await estate.card(Role.REPAIR_LEAD, ref)

    await estate.advance(timedelta(minutes=31))  # unacknowledged: the supervisor, on the clock
    assert mentions(estate, Role.REPAIR_SUPERVISOR, ref)


ROTA = """
[[hours.duty]]
post = "technician"
user = 21
[[hours.duty]]
post = "manager"
user = 40
days = "mon-fri"
"""


def with_rota() -> EstateConfig:
    text = (ROOT / "estate.toml").read_text(encoding="utf-8") + ROTA
    return EstateConfig.model_validate(tomllib.loads(text))


async def test_an_urgent_leak_at_night_reaches_the_duty_technician_and_climbs_the_duty_ladder(
    tmp_path: Path,
) -> None:
    async with running_estate(tmp_path, estate_config=with_rota()) as estate:
        estate.clock.set(TUESDAY_02_00)  # Monday's night duty
        technician = estate.staff(Role.REPAIR_SUPERVISOR)  # Sam Repair, user 21
        manager = estate.staff(Role.MANAGER)
        ref = await file_case(
            estate, estate.resident("smith"), "🔧 Report a repair", "Pipe burst", urgency="🚨"
        )
        private = [m.text for m in technician.private.bot_messages() if ref in m.text]
        assert private, "the duty technician hears of it privately, within the minute"
        assert mentions(estate, Role.REPAIR_LEAD, ref), "as well as the team's group"

        await estate.advance(timedelta(minutes=31))  # the supervisor: still the technician
        await estate.advance(timedelta(minutes=31))  # the cs supervisor: the duty manager
        assert [m for m in manager.private.bot_messages() if ref in m.text]

        estate.world.users[40].send("/duty")
        await estate.settle()
        shown = last_text(manager)
        assert "Duty technician: Sam Repair" in shown, shown
        assert "Duty manager: Max Manager" in shown, shown
