"""Patrol rounds from the guard's phone, alerts to the captain, and the handover."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from bot.estate import load_estate
from tests.e2e.harness import ROOT, STAFF, running_estate
from tests.e2e.steps import last_text
from workflow.estate import EstateConfig, PerLanguage, Shift
from workflow.roles import Role

GUARD_ID = STAFF[Role.GUARD][0]


def estate_with_shifts() -> EstateConfig:
    config = load_estate(ROOT / "estate.toml")
    return config.model_copy(
        update={
            "shifts": [
                Shift(
                    id="day",
                    name=PerLanguage.everywhere("day"),
                    start=time(7),
                    end=time(19),
                    guards=[GUARD_ID],
                ),
                Shift(
                    id="night",
                    name=PerLanguage.everywhere("night"),
                    start=time(19),
                    end=time(7),
                    guards=[],
                ),
            ]
        }
    )


async def test_a_round_with_one_late_and_one_missed_checkpoint(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=estate_with_shifts()) as estate:
        gus = estate.staff(Role.GUARD)
        captain_group = estate.groups[Role.SECURITY_CAPTAIN]
        # 09:00 Hong Kong: the day shift is on, a round begins.
        await estate.advance(timedelta(minutes=5))
        gus.send("/start cp-A-lobby")
        await estate.settle()
        assert "A座大堂" in last_text(gus)
        await estate.advance(timedelta(minutes=60))  # 10:05: A-roof is late
        gus.send("/start cp-A-roof")
        await estate.settle()
        await estate.advance(timedelta(minutes=12))  # 10:17: the 09:00 round is over

        alert = next(m.text for m in captain_group.bot_messages() if "🚨 巡更09:00" in m.text)
        assert "10:00" in alert
        assert "⏰ A座天台" in alert
        assert "❌ B座停車場" in alert
        assert "A座大堂" not in alert
        await estate.advance(timedelta(minutes=1))
        assert sum("🚨 巡更09:00" in m.text for m in captain_group.bot_messages()) == 1, (
            "alerted once"
        )

        estate.staff(Role.SECURITY_CAPTAIN).send("/patrol", chat=captain_group)
        await estate.settle()
        today = captain_group.bot_messages()[-1].text
        assert "✅ A座大堂（Gus Guard）" in today
        assert "❌ B座停車場" in today

        chan = estate.resident("chan")
        chan.send("/start cp-A-lobby")
        await estate.settle()
        assert "只限保安員" in last_text(chan)


async def test_the_shift_change_hands_over_to_the_next_guards(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=estate_with_shifts()) as estate:
        gus = estate.staff(Role.GUARD)
        await estate.advance(timedelta(minutes=1))  # the bot notes the day shift
        gus.send("/log 停車場閘口感應器失靈")
        await estate.settle()
        assert "當值日誌" in last_text(gus)

        await estate.advance(timedelta(hours=10))  # 19:01: the night shift

        handover = last_text(gus)
        assert "day → night" in handover
        assert "停車場閘口感應器失靈" in handover
        captain = estate.groups[Role.SECURITY_CAPTAIN].bot_messages()[-1].text
        assert "day → night" in captain
