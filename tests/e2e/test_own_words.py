"""An estate in its own words, through the real Application and the fake Telegram:
the resident's menu, the case card and the receipt use the estate's names."""

from __future__ import annotations

from pathlib import Path

from bot.estate import load_estate
from tests.e2e.harness import ROOT, running_estate
from tests.e2e.steps import file_case
from workflow.estate import EstateConfig, NamesConfig
from workflow.roles import Role

NAMES = {
    "roles": {
        "repair_lead": {"zh-Hant": "水電組長", "zh-Hans": "水电组长", "en": "maintenance lead"}
    },
    "categories": {"repair": {"zh-Hant": "修繕", "zh-Hans": "修缮", "en": "Repairs"}},
}


def estate_in_its_own_words() -> EstateConfig:
    config = load_estate(ROOT / "estate.toml")
    return config.model_copy(update={"names": NamesConfig.model_validate(NAMES)})


async def test_a_resident_files_from_the_estates_menu_and_reads_its_words(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=estate_in_its_own_words()) as estate:
        chan = estate.resident("chan")
        chan.send("/start")
        await estate.settle()
        keyboard = chan.private.bot_messages()[-1].keyboard or []
        menu = [label for row in keyboard for label in row]
        assert "🔧 修繕" in menu, menu
        assert "🔧 報修" not in menu

        ref = await file_case(estate, chan, "🔧 修繕", "廚房水喉漏水", urgency="🕒")

        receipt = chan.private.bot_messages()[-1].text
        assert "水電組長" in receipt, receipt
        card = await estate.card(Role.REPAIR_LEAD, ref)
        assert "修繕" in card.text
        assert "水電組長" in card.text
