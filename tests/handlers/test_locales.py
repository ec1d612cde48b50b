"""The three catalogues: complete, consistent, valid Telegram HTML, and the
language resolver that picks between them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import COMMANDS
from handlers import filing, staff_actions
from playground.fake_telegram.html_check import html_to_text
from views import announcements
from views.i18n import LANGUAGES, LOCALES_DIR, Translator, catalogue, language_for, placeholders
from views.keyboards import MENU_KEYS
from workflow.model import (
    SERVICE_DEADLINES,
    Category,
    CloseReason,
    EscalationReason,
    EventKind,
    Severity,
    Status,
    Urgency,
)
from workflow.roles import STAFF_ROLES

ROOT = Path(__file__).resolve().parents[2]
LITERAL_KEY = re.compile(r"""\bt(?:\.raw)?\(\s*"([a-z_]+(?:\.[a-z_]+)+|[a-z_]+)"(?=[,)])""")


def keys_used_in_code() -> set[str]:
    found: set[str] = set()
    for folder in ("handlers", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    return found


def keys_built_from_enums() -> set[str]:
    keys = {f"role.{r}" for r in STAFF_ROLES} | {"role.admin"}
    keys |= {f"category.{c}" for c in Category} | {f"severity.{s}" for s in Severity}
    keys |= {f"urgency.{u}" for u in Urgency} | {f"status.word.{s}" for s in Status}
    keys |= {f"deadline.{d}" for d in SERVICE_DEADLINES} | {"deadline.resident_contacted"}
    keys |= {f"reason.{r}" for r in EscalationReason} | {f"event.{e}" for e in EventKind}
    keys |= {f"close.{c}" for c in CloseReason} | {f"notice.closed.{c}" for c in CloseReason}
    keys |= {f"notice.escalated.{r}" for r in EscalationReason}
    keys |= {f"status.{s}" for s in Status}
    keys |= {f"assist.{k}" for k in filing.ASSISTANCE_KINDS}
    keys |= {f"button.reject.{r}" for r in announcements.REJECT_REASONS}
    keys |= {f"resident_status.{s}" for s in ("none", "pending", "approved", "rejected")}
    keys |= {f"command.{c}" for c in COMMANDS} | set(MENU_KEYS)
    keys |= set(staff_actions.PROMPTED.values()) | {f"done.{a}" for a in staff_actions.PROMPTED}
    return keys


def test_every_catalogue_has_the_same_messages() -> None:
    english = set(catalogue("en").messages)
    for language in LANGUAGES:
        assert set(catalogue(language).messages) == english, language


def test_every_key_the_code_uses_exists() -> None:
    wanted = keys_used_in_code() | keys_built_from_enums()
    missing = sorted(wanted - set(catalogue("en").messages))
    assert missing == []
    assert len(keys_used_in_code()) > 100  # the scan really found the code's keys


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_placeholders_match_english(language: str) -> None:
    english = catalogue("en").messages
    other = catalogue(language).messages
    wrong = {
        k: (placeholders(v), placeholders(english[k]))
        for k, v in other.items()
        if placeholders(v) != placeholders(english[k])
    }
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_valid_telegram_html(language: str) -> None:
    for key, text in catalogue(language).messages.items():
        filled = text.format(**{name: "x" for name in placeholders(text)})
        html_to_text(filled)  # raises on anything Telegram would refuse
        assert filled.strip(), key


def test_chinese_catalogues_are_really_chinese() -> None:
    hant = catalogue("zh-Hant").messages
    hans = catalogue("zh-Hans").messages
    assert hant["category.repair"] == "報修"
    assert hans["category.repair"] == "报修"
    assert hant["event.closed"] != catalogue("en").messages["event.closed"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh-hant", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh-hk", "zh-Hant"),
        ("zh_Hant_TW", "zh-Hant"),
        ("zh-hans", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-sg", "zh-Hans"),
        ("en", "en"),
        ("en-GB", "en"),
        ("fr", "zh-Hant"),
        (None, "zh-Hant"),
        ("", "zh-Hant"),
    ],
)
def test_telegram_language_tags_map_to_our_catalogues(tag: str | None, expected: str) -> None:
    assert language_for(tag) == expected


CHINESE = re.compile(r"[\u3400-\u9fff]")
ASCII_MARKS = re.compile(r"[,:;?!()]")


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_chinese_messages_use_full_width_punctuation(language: str) -> None:
    """A Chinese reader notices ASCII , : ? ! ( ) at once: a Chinese message (one
    with Chinese in it, or one made of placeholders that Chinese fills) uses
    ，：；？！（）, whatever its placeholders, tags and clock times hold."""
    wrong = {}
    english = catalogue("en").messages
    for key, text in catalogue(language).messages.items():
        if not CHINESE.search(text) and text == english[key]:
            continue  # the same in every language (a usage line of command words)
        bare = re.sub(r"\{[^}]*\}|<[^>]+>|&\w+;", "\x00", text)
        bare = re.sub(r"(?<=\d)[:,](?=\d)", "", bare)  # 10:15, 1,000
        if ASCII_MARKS.search(bare) or re.search(r"[\u3400-\u9fff] [\u3400-\u9fff]", bare):
            wrong[key] = text
    assert wrong == {}


@pytest.mark.parametrize(
    ("language", "separator"), [("zh-Hant", "、"), ("zh-Hans", "、"), ("en", ", ")]
)
def test_listed_items_are_separated_as_each_language_does(language: str, separator: str) -> None:
    t = Translator(language_for(language), ZoneInfo("Asia/Hong_Kong"))
    assert t.join(["R2026-00001", "R2026-00002"]) == f"R2026-00001{separator}R2026-00002"


@pytest.mark.parametrize(
    ("language", "listed"),
    [
        ("zh-Hant", "接手及到場"),
        ("zh-Hans", "接单和到场"),
        ("en", "acknowledge and be on site"),
    ],
)
def test_a_list_in_a_sentence_ends_as_each_language_ends_it(language: str, listed: str) -> None:
    t = Translator(language_for(language), ZoneInfo("Asia/Hong_Kong"))
    assert t.and_list([t.raw("deadline.acknowledge"), t.raw("deadline.on_site")]) == listed


@pytest.mark.parametrize(
    ("language", "written"),
    [("zh-Hant", "12月1日 16:12"), ("zh-Hans", "12月1日 16:12"), ("en", "1 Dec 16:12")],
)
def test_dates_and_times_are_written_as_each_language_writes_them_on_a_24_hour_clock(
    language: str, written: str
) -> None:
    t = Translator(language_for(language), ZoneInfo("Asia/Hong_Kong"))
    assert t.when(datetime(2026, 12, 1, 8, 12, tzinfo=UTC)) == written


# One word per concept (the glossary in WORKFLOW.md): a telltale word that a native
# reader of that language would not use for the concept, and the word they would.
TELLTALES: dict[str, list[tuple[str, str]]] = {
    "zh-Hant": [
        ("保潔", "Hong Kong says 清潔"),
        ("在值", "Hong Kong says 當值"),
        ("安管", "a guard is a 保安員, the team 保安"),
        ("護衛", "a guard is a 保安員, the team 保安"),
        ("接單", "the button is 接手, the status 已受理"),
        ("及時率", "Hong Kong says 準時率"),
        ("業主確認", "a resident may be a tenant: 住戶確認"),
        ("紀錄", "one spelling: 記錄"),
        ("住戶回訪", "回訪 is what the office does; the resident gives 意見"),
        ("搭手", "reads awkwardly: 協助搬運"),
        ("代提小件", "reads awkwardly: 代取包裹"),
        ("臨時情況反映", "a guard's site report is a 現場情況報告"),
    ],
    "zh-Hans": [
        ("单位", "on the mainland 单位 is your employer: 房屋 / 房号"),
        ("现时", "the mainland says 目前"),
        ("宗", "the mainland counts cases with 个"),
        ("只得", "the mainland says 只有"),
        ("请即", "the mainland says 请立即"),
        ("护卫", "the mainland says 保安"),
        ("安管队员", "one word for a guard: 保安"),
        ("在值", "the mainland says 当班"),
        ("当值", "the mainland says 当班"),
        ("住户回访", "回访 is what the office does; the resident gives 反馈"),
        ("搭手", "reads awkwardly: 协助搬运"),
        ("联络", "the mainland says 联系"),
    ],
    "en": [
        (r"(?i)\bcolor", "British spelling: colour"),
        (r"(?i)organiz", "British spelling: organise"),
        (r"(?i)\bcancel(?:ed|ing)\b", "British spelling: cancelled"),
        (r"(?i)acknowledgment", "British spelling: acknowledgement"),
        (r"(?i)\bcenter", "British spelling: centre"),
        (r"(?i)case number", "a case's number is its reference"),
        (r"(?i)\bunits?\b", "a resident's home is a flat"),
    ],
}


@pytest.mark.parametrize("language", list(TELLTALES))
def test_each_catalogue_uses_one_word_per_concept(language: str) -> None:
    bare = {k: re.sub(r"\{[^}]*\}", "", v) for k, v in catalogue(language).messages.items()}
    found = {
        key: [f"{word}: {why}" for word, why in TELLTALES[language] if re.search(word, text)]
        for key, text in bare.items()
    }
    assert {key: words for key, words in found.items() if words} == {}


@pytest.mark.parametrize("folder", ["zh_Hant", "zh_Hans", "en"])
def test_each_key_is_in_each_catalogue_once_with_one_translation(folder: str) -> None:
    """Babel keeps the last of two entries with one key without a word: a merge
    that doubled an entry would silently change what a reader sees."""
    lines = (
        (LOCALES_DIR / folder / "LC_MESSAGES" / "estate_desk.po").read_text("utf-8").splitlines()
    )
    keys = [line for line in lines if line.startswith("msgid ")]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    translations = [line for line in lines if line.startswith("msgstr ")]
    assert len(translations) == len(keys)
