"""An estate in its own words, through the real Application and the fake Telegram:
the resident's menu, the case card and the receipt use the estate's names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.estate import load_estate
from bot.services import services
from tests.e2e.harness import ROOT, STAFF, running_estate
from tests.e2e.steps import file_case, last_text
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


def estate_with_named_shifts() -> EstateConfig:
    """The committed estate's shifts (日更 / 白班 / day shift, …), with Gus on the day."""
    config = load_estate(ROOT / "estate.toml")
    day, night = config.shifts
    gus = STAFF[Role.GUARD][0]
    return config.model_copy(update={"shifts": [day.model_copy(update={"guards": [gus]}), night]})


async def test_a_handover_names_the_shifts_in_the_guards_language(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=estate_with_named_shifts()) as estate:
        gus = estate.staff(Role.GUARD)
        await estate.advance(timedelta(minutes=1))  # the bot notes the day shift
        await estate.advance(timedelta(hours=10))  # 19:01: the night shift

        assert "交更：日更 → 夜更" in last_text(gus)
        captain = estate.groups[Role.SECURITY_CAPTAIN].bot_messages()[-1].text
        assert "日更 → 夜更" in captain
        mark = await services(estate.app).shell.marks.get("handover", "current")
        assert str(mark).endswith(":night"), "the mark is the shift's id, not a name"
