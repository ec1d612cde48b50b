"""/health: an admin asks the running bot how it is doing, in private."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import ADMIN_ID, running_estate
from tests.e2e.steps import file_case, last_text


async def test_an_admin_sees_the_bots_health_and_others_are_refused(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "estate-desk-20261101-033000.sqlite3").write_bytes(b"")
    async with running_estate(tmp_path, backup_dir=backups) as estate:
        world = estate.world
        await file_case(
            estate, estate.resident("smith"), "🔧 Report a repair", "Door hinge", urgency="🕒"
        )
        admin = world.users[ADMIN_ID]
        admin.send("/health")
        await estate.settle()
        shown = last_text(admin)

        smith = estate.resident("smith")
        smith.send("/health")
        await estate.settle()
        refused = last_text(smith)

    assert shown.startswith("🩺 Bot health"), shown
    assert "Version: " in shown
    assert "Running since " in shown
    assert "Last update received: " in shown
    assert "none since the start" not in shown, "the admin's own message was an update"
    assert "Database: " in shown
    assert " MB" in shown
    assert "Open cases by rung: " in shown
    assert "(1)" in shown, "the one case filed"
    assert "Messages waiting to be sent: " in shown
    assert "Every rung has a bound group or a holder" in shown
    assert "Last backup: " in shown
    # The estate's morning, past BACKUP_AT: the bot took today's backup itself.
    assert "(estate-desk-20261102-090000.sqlite3)" in shown, "the newest backup"
    assert "Only bot admins" in refused
    assert "Version" not in refused
    assert sorted(p.name for p in backups.iterdir()) == [
        "estate-desk-20261101-033000.sqlite3",
        "estate-desk-20261102-090000.sqlite3",
    ], "one backup a day"
