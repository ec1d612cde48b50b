"""The buttons on a case card: what the core allows, for the group's rung."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.case_states import cases
from views.cards import card_buttons
from views.i18n import Translator
from workflow.model import Case

T = Translator("en", ZoneInfo("Asia/Hong_Kong"))
CASES = cases()


def actions_on(case: Case) -> list[str]:
    markup = card_buttons(case, T)
    if markup is None:
        return []
    return [str(b.callback_data).split(":")[1] for row in markup.inline_keyboard for b in row]


def test_a_card_at_the_managers_rung_has_no_escalate_button() -> None:
    for name in ("repair at the manager", "critical complaint", "critical complaint on site"):
        assert "escalate" not in actions_on(CASES[name]), name
        assert actions_on(CASES[name]), "the other buttons stay"


def test_a_card_below_the_manager_keeps_its_escalate_button() -> None:
    for name in ("new repair", "repair at the supervisor", "repair at the cs supervisor"):
        assert "escalate" in actions_on(CASES[name]), name


def test_a_new_cases_card_shows_every_step_its_group_and_the_front_desk_use() -> None:
    assert actions_on(CASES["new repair"]) == [
        "ack",
        "onsite",
        "escalate",
        "msg",
        "reclass",
        "merge",
        "return",
    ]


def test_a_critical_cards_resolve_appears_once_the_resident_was_contacted() -> None:
    assert actions_on(CASES["critical complaint on site"]) == ["contacted", "msg"]
    assert actions_on(CASES["critical complaint on site and contacted"]) == ["resolve", "msg"]


def test_a_guard_sees_take_it_then_on_site_and_done_only() -> None:
    assert actions_on(CASES["help request"]) == ["ack"]
    assert actions_on(CASES["help request taken"]) == ["onsite", "resolve"]
    assert actions_on(CASES["help given"]) == []


def test_a_site_report_card_offers_classify_merge_and_dismiss_while_new() -> None:
    assert actions_on(CASES["site report"]) == ["reclass", "merge", "dismiss"]
    assert card_buttons(CASES["site report dismissed"], T) is None


def test_a_finished_cases_card_has_no_buttons() -> None:
    for name in ("resolved repair", "rated repair", "cancelled repair"):
        assert card_buttons(CASES[name], T) is None, name
