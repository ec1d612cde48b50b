"""The office's own words (estate.toml's [names], and names of buildings, shifts
and checkpoints per language) reach every message, in each reader's language."""

from __future__ import annotations

import tomllib

import pytest

from tests.own_words import (
    BLOCK_A_IS_CALLED,
    MANAGER_IS_CALLED,
    OWN_WORDS,
    PEOPLE,
    at_the_manager,
    critical_filed,
    own,
    register_rows,
    texts,
)
from views.announcements import for_announcement
from views.cards import card_text
from views.i18n import LANGUAGES, Language, translator_for
from views.keyboards import estate_menu_labels, main_menu, menu_key
from views.notices import for_resident
from views.reports import figures_text
from workflow.estate import EstateConfig
from workflow.figures import compute
from workflow.notifications import Announcement, NoticeKind


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_renamed_role_is_on_the_card_in_each_language(language: Language) -> None:
    story = at_the_manager()
    card = card_text(story.case, PEOPLE, own(language))
    assert MANAGER_IS_CALLED[language] in card
    assert own(language).raw("role.manager") == MANAGER_IS_CALLED[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_renamed_role_is_in_the_residents_notice_in_each_language(language: Language) -> None:
    story = critical_filed()
    [notice] = for_resident(story.notice(NoticeKind.FILED), story.case, PEOPLE, own(language))
    assert MANAGER_IS_CALLED[language] in notice.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_renamed_role_is_in_the_report_and_the_register_in_each_language(
    language: Language,
) -> None:
    summary = {
        "week": "2026-10-26",
        "ack": [0.9, 0.8],
        "handling": [0.75, 0.5],
        "cases": [1, 3],
        "overdue": [["R2026-00001", "manager"]],
    }
    text = texts(for_announcement(Announcement.WEEKLY_SUMMARY, summary, own(language)))
    assert MANAGER_IS_CALLED[language] in text
    [_, case_row, *_] = register_rows(own(language))
    assert MANAGER_IS_CALLED[language] in case_row, "the register's handler column"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_renamed_category_is_in_the_figures_in_each_language(language: Language) -> None:
    t = own(language)
    story = at_the_manager()
    figures = figures_text(compute(story.events, story.case.created_at), t, "2026-11")
    assert OWN_WORDS.names.categories["repair"].in_language(language) in figures  # type: ignore[index]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_building_is_named_in_each_readers_language(language: Language) -> None:
    story = at_the_manager()
    card = card_text(story.case, PEOPLE, own(language))
    assert BLOCK_A_IS_CALLED[language] in card
    assert "Block A" not in card or language == "en"


def test_a_plain_string_building_name_serves_every_language() -> None:
    assert {own(language).building("B") for language in LANGUAGES} == {"Harbour Tower"}


def test_an_unnamed_building_is_named_from_the_catalogue() -> None:
    assert [own(language).building("C") for language in LANGUAGES] == ["C座", "C栋", "Block C"]


@pytest.mark.parametrize(
    ("language", "title", "missed"),
    [
        ("zh-Hant", "交更：日更 → 夜更", "A座天台、B座停車場"),
        ("zh-Hans", "交班：白班 → 夜班", "A座天台、B座停车场"),
        ("en", "Handover: day shift → night shift", "Block A roof, Block B car park"),
    ],
)
def test_a_handover_names_its_shifts_and_checkpoints_in_the_readers_language(
    language: Language, title: str, missed: str
) -> None:
    facts = {
        "old": "day",
        "new": "night",
        "help": [],
        "reports": [],
        "missed": ["A-roof", "B-carpark"],
        "notes": [],
    }
    text = texts(for_announcement(Announcement.HANDOVER, facts, own(language)))
    assert title in text
    assert missed in text


def test_a_handover_queued_with_names_before_ids_still_reads() -> None:
    facts = {"old": "day", "new": "night", "help": [], "reports": [], "missed": ["A座天台"]}
    text = texts(for_announcement(Announcement.HANDOVER, {**facts, "notes": []}, own("en")))
    assert "day shift → night shift" in text
    assert "A座天台" in text


@pytest.mark.parametrize(
    ("language", "items"),
    [
        ("zh-Hant", "⏰ A座天台 · ❌ B座停車場"),
        ("zh-Hans", "⏰ A座天台 · ❌ B座停车场"),
        ("en", "⏰ Block A roof · ❌ Block B car park"),
    ],
)
def test_a_patrol_alert_names_its_checkpoints_in_the_readers_language(
    language: Language, items: str
) -> None:
    problems = [["late", "A-roof"], ["missed", "B-carpark"]]
    facts = {"start": "09:00", "end": "10:00", "problems": problems}
    assert items in texts(for_announcement(Announcement.PATROL_ALERT, facts, own(language)))


@pytest.mark.parametrize(
    ("language", "reasons"),
    [
        ("zh-Hant", ["未按時接手", "住戶未回覆"]),
        ("zh-Hans", ["未按时接单", "住户未回复"]),
        ("en", ["not acknowledged in time", "no feedback"]),
    ],
)
def test_the_registers_reason_column_is_in_words(language: Language, reasons: list[str]) -> None:
    cells = [str(cell) for row in register_rows(own(language)) for cell in row if cell]
    assert "acknowledge_missed" not in cells
    assert "no_feedback" not in cells
    assert all(reason in cells for reason in reasons)
    assert "not ours: the lift company" in cells, "a typed reason stays as typed"


@pytest.mark.parametrize(
    ("count", "english", "traditional", "simplified"),
    [
        (1, "📎 1 attachment", "📎 1 個附件", "📎 1 个附件"),
        (3, "📎 3 attachments", "📎 3 個附件", "📎 3 个附件"),
    ],
)
def test_counts_read_right_in_every_language(
    count: int, english: str, traditional: str, simplified: str
) -> None:
    said = [own(language).count("card.attachments", count) for language in LANGUAGES]
    assert said == [traditional, simplified, english]


def test_a_report_of_one_case_says_one_case() -> None:
    story = at_the_manager()
    text = figures_text(compute(story.events, story.case.created_at), own("en"), "2026-11")
    assert "(1 case)" in text
    assert "Repairs (1)" in text


def test_the_estates_words_are_escaped_where_messages_are_html() -> None:
    names = tomllib.loads('[roles.front_desk]\nzh-Hant = "A&B"\nzh-Hans = "A&B"\nen = "A<B>"\n')
    estate = OWN_WORDS.model_copy(update={"names": OWN_WORDS.names.model_validate(names)})
    t = translator_for(estate, "en")
    assert t("role.front_desk") == "A&lt;B&gt;"
    assert t.raw("role.front_desk") == "A<B>"
    assert "A&lt;B&gt;" in t("done.return", ref="R1"), "named in running text, escaped"


def test_an_estate_without_names_keeps_the_catalogues_words() -> None:
    plain = EstateConfig.model_validate(
        {"name": "Plain", "buildings": [{"id": "A", "units": ["1A"]}]}
    )
    assert translator_for(plain, "zh-Hant").raw("role.manager") == "物業經理"
    assert translator_for(plain, "zh-Hant").building("A") == "A座"


@pytest.mark.parametrize(
    ("language", "label"), [("zh-Hant", "🔧 修繕"), ("zh-Hans", "🔧 维修"), ("en", "🔧 Repairs")]
)
def test_a_renamed_category_is_on_the_residents_menu_and_its_tap_is_understood(
    language: Language, label: str
) -> None:
    menu = main_menu(own(language))
    labels = [button.text for row in menu.keyboard for button in row]
    assert label in labels
    assert menu_key(label, estate_menu_labels(OWN_WORDS)) == "menu.repair"
    assert menu_key("🔧 報修", estate_menu_labels(OWN_WORDS)) == "menu.repair", "an old keyboard"
    assert own(language).raw("menu.cleaning") in labels, "what is not renamed stays"
