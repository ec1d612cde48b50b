"""Long texts against Telegram's limits, counted as Telegram counts them (UTF-16
units; the fake Bot API refuses anything longer, as Telegram does): a card
keeps its reference and buttons with the full text one tap away, and a long
shift log arrives in several messages."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from bot.estate import load_estate
from tests.e2e.harness import ROOT, STAFF, Estate, running_estate
from tests.e2e.steps import file_case
from workflow.estate import EstateConfig, Shift
from workflow.roles import Role

TAP = "🚰"  # outside the Basic Multilingual Plane: two UTF-16 units each


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_a_long_emoji_description_reaches_staff_as_a_shortened_card(
    estate: Estate,
) -> None:
    chan = estate.resident("chan")
    description = TAP * 2000  # the most filing takes: 2000 code points, 4000 UTF-16 units
    ref = await file_case(estate, chan, "🔧 報修", description, urgency="🕒")

    card = await estate.card(Role.REPAIR_LEAD, ref)
    assert units(card.text) <= 4096
    assert ref in card.text.split("\n", 1)[0]
    assert "…" in card.text
    assert "👷 接手" in card.button_labels
    assert "📄 全文" in card.button_labels
    told = [m.text for m in chan.private.bot_messages() if ref in m.text]
    assert any("已通知維修組長" in text for text in told)

    group = estate.groups[Role.REPAIR_LEAD]
    before = group.bot_messages()[-1].message_id
    await estate.press(estate.staff(Role.REPAIR_LEAD), card, "全文")
    pieces = group.bot_messages_after(before)
    assert pieces
    assert all(units(p.text) <= 4096 for p in pieces)
    assert "".join(p.text for p in pieces).count(TAP) == 2000
    assert ref in pieces[0].text


async def test_the_full_text_is_only_for_the_staff_of_the_case(estate: Estate) -> None:
    chan = estate.resident("chan")
    ref = await file_case(estate, chan, "🔧 報修", TAP * 2000, urgency="🕒")
    card = await estate.card(Role.REPAIR_LEAD, ref)
    query = chan.press_data(
        chan.private.bot_messages()[-1], card.button("全文").callback_data or ""
    )
    answer = await chan.answer_to(query)
    await estate.settle()
    assert answer.text == "⛔ 你沒有權限進行此操作。"
    assert not any("完整描述" in m.text for m in chan.private.bot_messages())


def estate_with_shifts() -> EstateConfig:
    guard = STAFF[Role.GUARD][0]
    config = load_estate(ROOT / "estate.toml")
    return config.model_copy(
        update={
            "shifts": [
                Shift.model_validate(
                    {"name": "day", "start": time(7), "end": time(19), "guards": [guard]}
                ),
                Shift.model_validate({"name": "night", "start": time(19), "end": time(7)}),
            ]
        }
    )


async def test_a_long_shift_log_hands_over_in_several_messages(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=estate_with_shifts()) as estate:
        gus = estate.staff(Role.GUARD)
        await estate.advance(timedelta(minutes=1))  # the bot notes the day shift
        for n in range(5):
            gus.send(f"/log {n}{TAP * 999}")  # each note about 2000 UTF-16 units
            await estate.settle()
        before = gus.last_message_id()

        await estate.advance(timedelta(hours=10))  # 19:01: the night shift

        handover = gus.private.bot_messages_after(before)
        assert len(handover) >= 3
        assert all(units(m.text) <= 4096 for m in handover)
        assert "".join(m.text for m in handover).count(TAP) == 5 * 999
        captain = estate.groups[Role.SECURITY_CAPTAIN].bot_messages()
        assert sum(m.text.count(TAP) for m in captain) == 5 * 999
