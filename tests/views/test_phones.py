"""Phone numbers as a group may see them: masked to the country code and the
last four digits."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from views.announcements import for_announcement
from views.cards import mask_phone
from views.i18n import LANGUAGES, Language, Translator
from workflow.notifications import Announcement

HK = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+85291230002", "+852 ****0002"),
        ("+8613800138000", "+86 ****8000"),
        ("+14155550123", "+1 ****0123"),
        ("91234567", "****4567"),
        ("", "-"),
        (None, "-"),
    ],
)
def test_a_phone_number_shows_only_its_country_code_and_last_four_digits(
    phone: str | None, shown: str
) -> None:
    assert mask_phone(phone) == shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_approval_card_in_the_front_desk_group_masks_the_phone(language: Language) -> None:
    params = {"user_id": 5, "name": "Lee", "building": "B", "unit": "2A", "phone": "+85261230002"}
    [card] = for_announcement(Announcement.APPROVAL_REQUEST, params, Translator(language, HK))
    assert "+852 ****0002" in card.text
    assert "61230002" not in card.text
