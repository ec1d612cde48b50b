"""The company's figures as the company's staff read them: every estate by its
name, then the totals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.workflow.test_company_figures import BIG, SMALL
from views.company import company_text
from views.i18n import Translator
from workflow.company import combine

HK = ZoneInfo("Asia/Hong_Kong")


def test_the_report_shows_every_estate_then_the_totals() -> None:
    t = Translator("en", HK)
    text = company_text(
        "Harbour",
        [("Sha Tin Gardens", BIG), ("Tai Po Court", SMALL)],
        combine([BIG, SMALL]),
        t,
        "November",
    )
    shatin, taipo, total = text.index("Sha Tin"), text.index("Tai Po"), text.index("All estates")
    assert shatin < taipo < total
    assert "(220 cases)" in text
    assert "83% (182/220)" in text
    assert "3.5/5 (40 ratings)" in text


def test_the_report_reads_in_chinese_with_the_estates_names() -> None:
    t = Translator("zh-Hant", HK)
    text = company_text("海港物業", [("沙田花園", BIG)], BIG, t, "2026-11")
    assert "全部屋苑" in text
    assert "沙田花園" in text
    assert "個案 200" in text
