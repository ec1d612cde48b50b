"""Lengths as Telegram counts them (UTF-16 units of the shown text), and cuts
that never break a surrogate pair, an entity or a tag."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from playground.fake_telegram.html_check import html_to_text
from views.lengths import cut_html, cut_text, html_units, pack_lines, split_html, units

# Plain runs (with emoji, CJK, newlines and characters that need escaping),
# some in bold or italics: HTML as the translator builds it.
run = st.text(alphabet=st.sampled_from("ab 中文\n🚰👍<>&"), min_size=1, max_size=60)
piece = st.one_of(
    run.map(lambda s: html.escape(s, quote=False)),
    run.map(lambda s: f"<b>{html.escape(s, quote=False)}</b>"),
    run.map(lambda s: f'<a href="https://x.example/?a=1&amp;b=2"><i>{html.escape(s)}</i></a>'),
)
markup = st.lists(piece, min_size=1, max_size=30).map("".join)


def shown_units(text: str) -> int:
    return len(html_to_text(text).encode("utf-16-le")) // 2


def test_an_emoji_counts_two_units_and_tags_and_entities_as_telegram_shows_them() -> None:
    assert units("🚰") == 2
    assert units("中a") == 2
    assert html_units("<b>a&amp;b</b>") == 3
    assert html_units("🚰" * 2048) == 4096


def test_a_cut_never_splits_a_surrogate_pair_or_an_entity() -> None:
    assert cut_text("🚰🚰🚰", 4) == "🚰…"
    assert cut_html("<b>ab&amp;cd</b>", 4) == "<b>ab&amp;…</b>"
    assert cut_html("x&lt;y", 2) == "x…"


@settings(max_examples=200, deadline=None)
@given(text=markup, limit=st.integers(min_value=2, max_value=300))
def test_a_cut_text_is_valid_html_within_the_limit(text: str, limit: int) -> None:
    cut = cut_html(text, limit)
    assert shown_units(cut) <= limit
    assert shown_units(cut) == html_units(cut)
    if html_units(text) <= limit:
        assert cut == text


@settings(max_examples=200, deadline=None)
@given(text=markup, limit=st.integers(min_value=4, max_value=300))
def test_split_pieces_are_valid_html_within_the_limit_and_lose_nothing(
    text: str, limit: int
) -> None:
    pieces = split_html(text, limit)
    assert all(shown_units(p) <= limit for p in pieces)
    if html_units(text) > limit:
        assert all(html_to_text(p).strip() for p in pieces), "no piece Telegram calls empty"
    joined = "".join(html_to_text(p) for p in pieces)
    assert "".join(joined.split()) == "".join(html_to_text(text).split())  # only breaks go


def test_lines_are_packed_into_as_few_messages_as_fit() -> None:
    assert pack_lines(["a" * 5, "b" * 5, "c" * 12], 11) == ["aaaaa\nbbbbb", "c" * 11, "c"]
    assert pack_lines(["🚰" * 3000]) == ["🚰" * 2048, "🚰" * 952]
