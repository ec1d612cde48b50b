"""Phone numbers in E.164 wherever they are read (issue 14, item 7): a number a
resident registered before numbers were normalised ("85291234567", as
Telegram's client sends a contact) reaches the staff member who takes the case
as +85291234567, like one registered today."""

from __future__ import annotations

from bot.services import services
from tests.e2e.harness import Estate
from tests.e2e.steps import file_case
from tests.e2e.test_residents import take_and_resolve
from workflow.roles import Role


async def test_a_number_stored_before_normalising_reaches_the_lead_in_e164(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    async with services(estate.app).store.transaction() as tx:  # a row from an older release
        await tx.db.execute(
            "UPDATE people SET phone = '852 9123 4567' WHERE user_id = ?", (chan.id,)
        )

    ref = await file_case(estate, chan, "🔧 報修", "水喉漏水", urgency="🕒")
    lead = estate.staff(Role.REPAIR_LEAD)
    await take_and_resolve(estate, lead, ref, "換咗")

    contact = next(m.text for m in lead.private.bot_messages() if ref in m.text and "📞" in m.text)
    assert "電話 +85291234567" in contact, contact
