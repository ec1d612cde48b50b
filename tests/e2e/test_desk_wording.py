"""How the desk's and the teams' messages read (issue 14, the last wording points):
a lateness under a minute is said plainly, the desk's line for "not fixed" is one
sentence, a repeat complaint's card says which complaint it is."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.harness import Estate
from tests.e2e.steps import file_case
from workflow.roles import Role


async def test_a_case_escalated_on_the_minute_does_not_read_zero_minutes_late(
    estate: Estate,
) -> None:
    ref = await file_case(estate, estate.resident("chan"), "🔧 報修", "大廈門鎖壞", urgency="🕒")
    await estate.advance(timedelta(minutes=30))  # the sweep finds it due to the second

    await estate.card(Role.REPAIR_SUPERVISOR, ref)
    group = estate.groups[Role.REPAIR_SUPERVISOR].bot_messages()
    why = next(m.text for m in group if "已上報給你" in m.text)
    assert "維修組長未能按時接手" in why
    assert "0 分鐘" not in why
    assert "逾時" not in why
