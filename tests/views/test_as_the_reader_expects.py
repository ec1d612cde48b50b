"""Numbers and texts as their reader expects them (issue 14, item 7): the second
complaint called the second, no field left as a bare "-", a phone number in
E.164 whatever the client sent, and the manager told it once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.case_states import POLICY, T0, filed
from tests.helpers import RESIDENT
from views.i18n import Translator, catalogue
from views.notices import for_resident, for_staff
from workflow import commands as cmd
from workflow import decisions
from workflow.directory import e164
from workflow.model import Category
from workflow.notifications import NoticeKind, Notification
from workflow.roles import Role

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("85291230002", "+85291230002"),  # as Telegram's client sends a contact
        ("+852 9123 0002", "+85291230002"),
        ("00852-9123-0002", "+85291230002"),
        ("91230002", "+85291230002"),  # a local Hong Kong number
        ("+86 138 0013 8000", "+8613800138000"),
        ("", None),
        (None, None),
    ],
)
def test_a_phone_number_is_kept_in_e164_however_the_client_sent_it(
    sent: str | None, stored: str | None
) -> None:
    assert e164(sent) == stored


def _repeat(count: int, text: str = "") -> Notification:
    return Notification(
        NoticeKind.REPEAT_COMPLAINT,
        1,
        "R2026-00042",
        role=Role.CS_SUPERVISOR,
        params={"reason": "repeat_complaint", "count": count, "text": text},
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "second complaint"), ("zh-Hant", "第二次投訴"), ("zh-Hans", "第二次投诉")],
)
def test_the_first_repeat_is_called_the_second_complaint(language: str, said: str) -> None:
    t = Translator(language, HK)  # type: ignore[arg-type]
    [line, _card] = for_staff(_repeat(1, "Still leaking"), filed(), {}, t)
    assert said in line.text
    assert "#1" not in line.text


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans"])
def test_a_complaint_without_text_has_no_bare_dash(language: str) -> None:
    t = Translator(language, HK)  # type: ignore[arg-type]
    [line, _card] = for_staff(_repeat(2), filed(), {}, t)
    assert ": -" not in line.text
    assert "：-" not in line.text
    assert line.text.rstrip().endswith(("）。", ")."))


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans"])
def test_a_result_without_a_note_is_not_shown_as_a_dash(language: str) -> None:
    t = Translator(language, HK)  # type: ignore[arg-type]
    case = filed()
    n = Notification(NoticeKind.RESOLVED, 1, case.ref, user_id=RESIDENT.user_id, params={})
    [message] = for_resident(n, case, {}, t)
    assert "-" not in message.text.replace(case.ref, "")


def test_the_manager_gets_the_residents_contact_once_when_a_repeat_reaches_them() -> None:
    first = filed(Category.REPAIR)
    first.rung = Role.CS_SUPERVISOR
    command = cmd.FileCase(
        RESIDENT,
        Category.REPAIR,
        "Still leaking",
        first.location,
        reporter_unit=first.reporter_unit,
        repeat_of=first.id,
    )
    repeat = decisions.file_case(
        command, case_id=2, ref="R2026-00002", now=T0, policy=POLICY, earlier=first
    )

    contacts = [n for n in repeat.notifications if n.kind is NoticeKind.RESIDENT_CONTACT]
    assert repeat.case.rung is Role.MANAGER
    assert [n.role for n in contacts] == [Role.MANAGER]


@pytest.mark.parametrize(
    ("language", "numbers", "said"),
    [
        (
            "en",
            (2, 3, 10, 11, 21, 22, 23),
            ["second", "third", "tenth", "11th", "21st", "22nd", "23rd"],
        ),
        ("zh-Hant", (2, 3, 10, 11), ["二", "三", "十", "11"]),
        ("zh-Hans", (2, 3, 10, 11), ["二", "三", "十", "11"]),
    ],
)
def test_ordinals_read_as_words_then_in_the_languages_own_form(
    language: str, numbers: tuple[int, ...], said: list[str]
) -> None:
    t = Translator(language, HK)  # type: ignore[arg-type]
    assert [t.ordinal(n) for n in numbers] == said


def test_simplified_chinese_addresses_the_reader_as_nin_throughout() -> None:
    """The mainland catalogue speaks to residents and staff with 您, never 你."""
    casual = [key for key, text in catalogue("zh-Hans").messages.items() if "你" in text]
    assert casual == []
