"""Every message, rendered once per language with sample values, into a page a
reviewer reads in a few minutes (tests/artifacts/transcript-<language>.txt).

The page is rendered with an estate that uses its own words (tests/own_words.py:
總幹事 for the manager, 保全 for the guards, buildings, shifts and checkpoints
named in each language), and ends with the composed messages a resident, a
guard and a supervisor read (a card, notices, a handover, the figures, the
register), so the office's words are read where they land.

The page is for people; the assertions are what a native reader would catch
at once: a placeholder left in the text, ASCII punctuation beside Chinese, or
a character of the other script (a Simplified-only character in Traditional
Chinese, or the reverse).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.own_words import SCENES, own
from views.i18n import LANGUAGES, ROLE_PLACEHOLDER, Language, Translator, catalogue, placeholders

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
    role, category = t.raw("role.manager"), t.raw("category.repair")
    what = t.raw("deadline.acknowledge")
    late = t.duration(timedelta(minutes=15))
    return {
        "average": "4.5",
        "before": "80%",
        "building": t.building("A"),
        "checkpoint": t.checkpoint("A-lobby"),
        "by": t.raw("role.cs_supervisor"),
        "case": f"🔧 R2026-00001 · {category}",
        "cases": 12,
        "category": category,
        "count": 3,
        "due": "07:30",
        "earlier": "R2026-00001",
        "end": "10:00",
        "estate": t.estate_name(),
        "events": t.and_list([t.raw("event.acknowledged"), t.raw("event.resolved")]),
        "example": "12A",
        "expires": t.when(WHEN),
        "group": "Repairs",
        "home": t.home("A", "12A"),
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
        "names": t.join([t.checkpoint("A-roof"), t.checkpoint("B-carpark")]),
        "new": t.shift("night"),
        "note": "Replaced the washer",
        "now": "90%",
        "old": t.shift("day"),
        "overdue": 2,
        "people": "Leo Repair",
        "part": 3,
        "percent": "60%",
        "period": "2026-11",
        "phone": "+85261234567",
        "post": t.raw("duty.post.technician"),
        "photos": 2,
        "rate": t.raw("report.rate", percent="60%", part=3, whole=5),
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
        "team": t.raw("complained.team.repair"),
        "text": "Tap drips",
        "time": "07:30",
        "to": t.raw("role.repair_supervisor"),
        "unit": "12A",
        "url": "https://maps.google.com/?q=22.300000,114.170000",
        "urgency": t.raw("urgency.urgent"),
        "value": t.count("report.rated", 2, average="4.5"),
        "voice": 1,
        "week": "2026-10-26",
        "what": what,
        "when": t.when(WHEN),
        "where": t.home("A", "12A"),
        "whole": 5,
        "who": role,
        "within": t.duration(timedelta(minutes=30)),
        # notices to residents and known incidents
        "number": 3,
        "sent": 120,
        "total": 200,
        "failed": 2,
        "blocked": 1,
        "versions": t.join([t.raw("notice.version.all"), t.raw("language.name.en")]),
        "attachment": t.raw("notice.attachment.yes"),
        "audience": t.raw("bulletin.audience.building", building="A"),
        "language": t.raw("language.name.zh_hans"),
        "floors": t.join(["3", "4"]),
        "buildings": t.join(["A", "B"]),
        "complaints": 50,
        "incidents": 1,
        # opinion surveys
        "title": "Lobby and lifts",
        "closes": t.when(WHEN),
        "invited": 30,
        "finished": 21,
        "pool": 100,
        "notice": 4,
        "option": "Morning",
        "share": "40%",
        "points": "3.8 → 4.1 → 4.3",
    }


# Where a placeholder means a person rather than a role.
BY_A_PERSON = {
    "approval.approved",
    "approval.rejected",
    "desk.sorted.dismissed",
    "desk.sorted.merged",
    "desk.sorted.reclassified",
    "staff.feed.again",
    "staff.feed.again_reopened",
    "staff.feed.not_fixed",
}
# Where a placeholder means something else than the samples' value.
SPECIAL = {"building.unnamed": {"id": "C"}}


def transcript(language: Language) -> dict[str, str]:
    t = own(language)
    values = samples(t)
    rendered = {}
    for key, text in sorted(catalogue(language).messages.items()):
        # {role_front_desk} and the like: the translator names the role itself.
        wanted = {name for name in placeholders(text) if not name.startswith(ROLE_PLACEHOLDER)}
        given = {name: values[name] for name in wanted}
        if key in BY_A_PERSON:
            given["by"] = "Fiona Desk"
        given |= SPECIAL.get(key, {})
        if key.endswith(".one"):
            given["count"] = 1
        if key == "file.summary.attachments":
            given["items"] = t.join([t.count("count.photos", 2), t.count("count.voice", 1)])
        rendered[key] = t(key, **given)
    return rendered


def scenes(language: Language) -> dict[str, str]:
    """The composed messages, as their readers get them."""
    t = own(language)
    return {title: render(t) for title, render in SCENES}


def everything(language: Language) -> dict[str, str]:
    return transcript(language) | {f"scene: {k}": v for k, v in scenes(language).items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_renders_into_a_page_a_reviewer_can_read(language: Language) -> None:
    rendered = transcript(language)
    composed = scenes(language)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = [f"# Every message in {language}, with sample values", ""]
    page += [f"## {key}\n{text}\n" for key, text in rendered.items()]
    page += ["", "# As they are read: composed messages, with the estate's own words", ""]
    page += [f"## {title}\n{text}\n" for title, text in composed.items()]
    (ARTIFACTS / f"transcript-{language}.txt").write_text("\n".join(page), encoding="utf-8")

    everything_read = rendered | composed
    assert {k: v for k, v in everything_read.items() if re.search(r"\{\w*\}", v)} == {}


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_rendered_chinese_has_no_ascii_punctuation_beside_it(language: Language) -> None:
    wrong = {
        key: text
        for key, text in everything(language).items()
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
        for key, text in everything(language).items()
        if set(text) & other_script
    }
    assert found == {}
