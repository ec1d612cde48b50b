"""Every message, rendered once per language with sample values, into a page a
reviewer reads in a few minutes (tests/artifacts/transcript-<language>.txt).

The page is for people; the assertions are what a native reader would catch
at once: a placeholder left in the text, ASCII punctuation beside Chinese, or
a character of the other script (a Simplified-only character in Traditional
Chinese, or the reverse).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from views.i18n import LANGUAGES, Language, Translator, catalogue, placeholders

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
WHEN = datetime(2026, 11, 2, 2, 15, tzinfo=UTC)

# Characters that give the script away, as (Traditional, Simplified) pairs: common
# in an estate office's messages, and different in the two scripts.
TRADITIONAL_ONLY = (
    "個這們時為過還進問題處單號碼請確認報維潔員區樓門電話記錄後聯"
    "絡務訊無張語應經於現場將對級緊嚴達類錯選擇輸網雙關開層內來給"
    "點鐘滿評價態總"
)
# The same characters, in the same order:
SIMPLIFIED_ONLY = (
    "个这们时为过还进问题处单号码请确认报维洁员区楼门电话记录后联"
    "络务讯无张语应经于现场将对级紧严达类错选择输网双关开层内来给"
    "点钟满评价态总"
)
TRADITIONAL = set(TRADITIONAL_ONLY)
SIMPLIFIED = set(SIMPLIFIED_ONLY)
CHINESE = re.compile(r"[\u3400-\u9fff]")
ASCII_BESIDE_CHINESE = re.compile(
    r"[\u3400-\u9fff][,:;?!()]|[,:;?!()](?=[\u3400-\u9fff])|[\u3400-\u9fff] [\u3400-\u9fff]"
)


def samples(t: Translator) -> dict[str, object]:
    """A value for every placeholder, in the reader's language where a
    person would read words (roles, categories, what was missed)."""
    role, category = t.raw("role.repair_lead"), t.raw("category.repair")
    what = t.raw("deadline.acknowledge")
    late = t.duration(timedelta(minutes=15))
    return {
        "before": "80%",
        "building": "A",
        "by": t.raw("role.cs_supervisor"),
        "case": f"🔧 R2026-00001 · {category}",
        "cases": 12,
        "category": category,
        "count": 3,
        "due": "07:30",
        "earlier": "R2026-00001",
        "end": "10:00",
        "estate": "Harbour View Gardens",
        "events": t.and_list([t.raw("event.acknowledged"), t.raw("event.resolved")]),
        "example": "12A",
        "expires": t.when(WHEN),
        "group": "Repairs",
        "home": "A 12A",
        "icon": "🔧",
        "id": 42,
        "into": "R2026-00002",
        "items": t.join([t.raw("deadline.acknowledge"), t.raw("deadline.resolve")]),
        "kind": t.raw("category.cleaning"),
        "late": late,
        "limit": 5,
        "link": "https://t.me/estate_desk_bot?start=inv-abc",
        "missed": t.and_list([what, t.raw("deadline.on_site")]),
        "missing": t.raw("deadline.resident_contacted"),
        "name": "Chan Tai Man",
        "names": t.join(["B1", "B2"]),
        "new": "B",
        "note": "Replaced the washer",
        "now": "90%",
        "old": "A",
        "overdue": 2,
        "people": "Leo Repair",
        "period": "2026-11",
        "phone": "+85261234567",
        "post": t.raw("duty.post.technician"),
        "photos": 2,
        "rate": "60% (3/5)",
        "reason": t.raw("reason.acknowledge_missed"),
        "ref": "R2026-00001",
        "refs": t.join(["R2026-00001", "R2026-00002"]),
        "role": role,
        "roles": t.join([role, t.raw("role.front_desk")]),
        "rung": role,
        "since": t.when(WHEN),
        "spot": "3/F",
        "stars": "★★★★",
        "start": "09:00",
        "starts": "07:00",
        "status": t.raw("status.word.new"),
        "text": "Tap drips",
        "time": "07:30",
        "to": t.raw("role.repair_supervisor"),
        "unit": "12A",
        "urgency": t.raw("urgency.urgent"),
        "value": "4.5/5",
        "voice": 1,
        "week": "2026-10-26",
        "what": what,
        "when": t.when(WHEN),
        "where": "A 12A",
        "who": role,
        "within": t.duration(timedelta(minutes=30)),
    }


# Where a placeholder means a person rather than a role.
BY_A_PERSON = {"approval.approved", "approval.rejected"}


def transcript(language: Language) -> dict[str, str]:
    t = Translator(language, ZoneInfo("Asia/Hong_Kong"))
    values = samples(t)
    rendered = {}
    for key, text in sorted(catalogue(language).messages.items()):
        given = {name: values[name] for name in placeholders(text)}
        if key in BY_A_PERSON:
            given["by"] = "Fiona Desk"
        rendered[key] = t(key, **given)
    return rendered


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_into_a_page_a_reviewer_can_read(language: Language) -> None:
    rendered = transcript(language)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = [f"# Every message in {language}, with sample values", ""]
    page += [f"## {key}\n{text}\n" for key, text in rendered.items()]
    (ARTIFACTS / f"transcript-{language}.txt").write_text("\n".join(page), encoding="utf-8")

    assert {k: v for k, v in rendered.items() if re.search(r"\{\w*\}", v)} == {}


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_rendered_chinese_has_no_ascii_punctuation_beside_it(language: Language) -> None:
    wrong = {
        key: text
        for key, text in transcript(language).items()
        if CHINESE.search(text) and ASCII_BESIDE_CHINESE.search(re.sub(r"<[^>]+>", "", text))
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("language", "other_script"), [("zh-Hant", SIMPLIFIED), ("zh-Hans", TRADITIONAL)]
)
def test_each_chinese_catalogue_keeps_to_its_own_script(
    language: Language, other_script: set[str]
) -> None:
    found = {
        key: sorted(set(text) & other_script)
        for key, text in transcript(language).items()
        if set(text) & other_script
    }
    assert found == {}
