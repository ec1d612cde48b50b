"""An admin takes a role away from someone who left (issue 14, item 9): /revoke,
recorded; their buttons stop working at once; /staff shows who holds what."""

from __future__ import annotations

from bot.services import services
from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import file_case, last_text
from workflow.roles import Role


async def test_a_revoked_repair_lead_cannot_press_the_card_any_more(estate: Estate) -> None:
    admin = estate.world.users[ADMIN_ID]
    lead = estate.staff(Role.REPAIR_LEAD)
    ref = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "Tap", urgency="🕒"
    )
    card = await estate.card(Role.REPAIR_LEAD, ref)

    admin.send("/staff")
    await estate.settle()
    assert f"Leo Repair ({lead.id})" in last_text(admin)

    admin.send(f"/revoke {lead.id} repair_lead")
    await estate.settle()
    assert "Leo Repair no longer holds: repair team lead" in last_text(admin)

    answer = await estate.press(lead, card, "接手")
    assert answer is not None
    assert "沒有權限" in answer
    assert (await estate.case(ref)).acknowledged_by is None
    async with services(estate.app).store.reading() as tx:
        audit = await tx.state("audit")
        person = await tx.person(lead.id)
    assert person is not None
    assert Role.REPAIR_LEAD not in person.roles
    [row] = audit.values()
    assert (row["action"], row["user_id"], row["roles"], row["by"]) == (
        "revoke",
        lead.id,
        ["repair_lead"],
        ADMIN_ID,
    )
    admin.send("/staff")
    await estate.settle()
    assert "Leo Repair" not in last_text(admin)


async def test_only_an_admin_may_revoke_and_a_name_works_too(estate: Estate) -> None:
    desk = estate.staff(Role.FRONT_DESK)
    admin = estate.world.users[ADMIN_ID]
    desk.send("/revoke Leo Repair")
    await estate.settle()
    assert "只限系統管理員使用" in last_text(desk)

    admin.send("/revoke Nobody Here")
    await estate.settle()
    assert "No one on the staff is Nobody Here" in last_text(admin)
    admin.send("/revoke leo repair")
    await estate.settle()
    assert "Leo Repair no longer holds" in last_text(admin)
