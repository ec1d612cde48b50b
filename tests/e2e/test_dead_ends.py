"""No dead ends (issue 14, item 10): free text outside a flow gets a helpful
reply, a guard has their keyboard as soon as they open the invite, and a
resident waiting for approval sees only what they may do."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.harness import ADMIN_ID, Estate
from tests.e2e.steps import last_text, tap


async def test_a_residents_free_text_gets_the_menu_and_how_to_add_to_a_case(
    estate: Estate,
) -> None:
    smith = estate.resident("smith")
    smith.send("hello, is anyone there?")
    await estate.settle()

    reply = smith.private.bot_messages()[-1]
    assert "📋 My cases" in reply.text
    assert "➕ Add information" in reply.text
    assert reply.keyboard is not None
    assert "🔧 Report a repair" in [label for row in reply.keyboard for label in row]


async def test_a_chinese_residents_free_text_gets_an_answer_in_chinese(estate: Estate) -> None:
    chan = estate.resident("chan")
    chan.send("你好，有人嗎？")
    await estate.settle()

    reply = chan.private.bot_messages()[-1]
    assert "「📋 我的個案」" in reply.text
    assert "「➕ 補充資料」" in reply.text
    assert reply.keyboard is not None


async def test_a_guard_has_the_guard_keyboard_right_after_opening_the_invite(
    estate: Estate,
) -> None:
    admin = estate.world.users[ADMIN_ID]
    admin.send("/invite guard")
    await estate.settle()
    link = re.search(r"start=(inv-[\w-]+)", last_text(admin))
    assert link, last_text(admin)

    newcomer = estate.world.user(310, "Gary Guard", language_code="en")
    newcomer.send(f"/start {link.group(1)}")
    await estate.settle()

    assert newcomer.private.keyboard is not None, newcomer.transcript()
    labels = _labels(newcomer.private.keyboard)
    assert "🟢 Go on duty" in labels
    assert "📡 Send a site report" in labels


async def test_a_pending_resident_sees_only_language_and_help(estate: Estate) -> None:
    kim = estate.world.user(201, "Kim", language_code="en")
    kim.send("/start")
    await tap(estate, kim, "Block B")
    await tap(estate, kim, "2A")
    kim.send("Kim Park")
    await estate.settle()
    kim.send_contact("85299990000")  # as Telegram's client sends it: no plus sign
    await estate.settle()

    assert kim.private.keyboard is not None
    labels = _labels(kim.private.keyboard)
    assert labels == ["🌐 Language", "❓ Help"]
    kim.send("when can I report?")
    await estate.settle()
    assert "waiting for the front desk" in last_text(kim)
    async with estate.app.bot_data["estate_desk"].store.transaction() as tx:
        person = await tx.person(201)
    assert person is not None
    assert person.phone == "+85299990000", "kept in E.164"


def _labels(keyboard: Any) -> list[str]:
    """The labels of a chat's reply keyboard as the fake Telegram keeps it."""
    return [b["text"] if isinstance(b, dict) else str(b) for row in keyboard for b in row]
