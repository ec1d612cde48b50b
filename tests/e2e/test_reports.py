"""/report, /export and the weekly summary through the real Application."""

from __future__ import annotations

import io
from datetime import time, timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.estate import load_estate
from tests.e2e.harness import ROOT, Estate, running_estate
from tests.e2e.steps import file_case, last_text
from workflow.estate import EstateConfig
from workflow.roles import Role


async def test_the_manager_gets_figures_a_chart_and_the_register(estate: Estate) -> None:
    ref = await file_case(
        estate, estate.resident("smith"), "🔧 Report a repair", "Door", urgency="🕒"
    )
    manager = estate.staff(Role.MANAGER)
    group = estate.groups[Role.MANAGER]

    manager.send("/report week", chat=group)
    await estate.settle()
    texts = [m.text for m in group.bot_messages()]
    assert any("服務數據" in t and "處理率" in t for t in texts)
    assert group.bot_messages()[-1].photos, "the chart comes as a photo"

    manager.send("/export month", chat=group)
    await estate.settle()
    document = next(m.document for m in reversed(group.bot_messages()) if m.document)
    assert document is not None
    book = load_workbook(io.BytesIO(estate.world.files[document].content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == ref
    assert "+85298765432" not in rows[1], "not even the manager's group sees phones"
    assert "私訊" in group.bot_messages()[-1].text
    private = manager.private.bot_messages()[-1].document
    assert private is not None
    rows = list(
        load_workbook(io.BytesIO(estate.world.files[private].content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert "+85298765432" in rows[1], "the manager gets them privately"

    desk_group = estate.groups[Role.FRONT_DESK]
    estate.staff(Role.FRONT_DESK).send("/export month", chat=desk_group)
    await estate.settle()
    desk_doc = desk_group.bot_messages()[-1].document
    assert desk_doc is not None
    desk_rows = list(
        load_workbook(io.BytesIO(estate.world.files[desk_doc].content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert "+85298765432" not in desk_rows[1], "nobody else does"

    chan = estate.resident("chan")
    chan.send("/report")
    await estate.settle()
    assert "沒有權限" in last_text(chan)


def summary_at_nine_thirty() -> EstateConfig:
    """The harness starts at Monday 09:00 and binds the groups once the bot runs:
    a summary due at 09:00 could fall due before the manager's group is bound
    (and go to the manager privately, as a role without a group's does)."""
    config = load_estate(ROOT / "estate.toml")
    reports = config.reports.model_copy(update={"summary_time": time(9, 30)})
    return config.model_copy(update={"reports": reports})


async def test_the_weekly_summary_is_posted_once_on_monday_morning(tmp_path: Path) -> None:
    async with running_estate(tmp_path, estate_config=summary_at_nine_thirty()) as estate:
        group = estate.groups[Role.MANAGER]
        await estate.advance(timedelta(minutes=20))  # Monday 09:20: not yet
        assert not [m for m in group.bot_messages() if "每週摘要" in m.text]
        await estate.advance(timedelta(minutes=11))  # 09:31: this week's is due
        first = [m for m in group.bot_messages() if "每週摘要" in m.text]
        assert len(first) == 1

        await estate.stop_bot()
        await estate.start_bot()
        await estate.advance(timedelta(hours=3))
        assert len([m for m in group.bot_messages() if "每週摘要" in m.text]) == 1, "once"

        await estate.advance(timedelta(days=7))
        assert len([m for m in group.bot_messages() if "每週摘要" in m.text]) == 2
