"""Telegram's length limits, measured as Telegram measures them.

Telegram counts a message's length in UTF-16 code units of the text it shows,
that is after parsing the HTML: `<b>` costs nothing, `&amp;` costs one, and an
emoji outside the Basic Multilingual Plane (🚰, 👍) costs two. Python's `len`
counts code points, so a text of 3,000 emoji passes `len(text) <= 4096` and
is refused by Telegram ("message is too long").

Everything here works on our Telegram HTML (tags from the catalogue, values
escaped by the translator) and never cuts inside a tag, an entity or a
surrogate pair: a cut text closes the tags it left open, and a split one
opens them again in the next piece.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a photo's or a document's caption
MAX_CALLBACK_BYTES = 64  # a button's callback data, in UTF-8 bytes
ELLIPSIS = "…"

_MARKUP = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")  # a tag or an entity
_TOKEN = re.compile(_MARKUP.pattern + r"|[\s\S]")  # ... or one character
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def units(text: str) -> int:
    """The UTF-16 code units of a plain text (a lone surrogate is one)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _token_units(token: str) -> int:
    if token.startswith("<"):
        return 0
    if token.startswith("&") and len(token) > 1:
        return units(html.unescape(token))
    return units(token)


def html_units(markup: str) -> int:
    """The UTF-16 code units of the text Telegram shows for this HTML: its
    tags cost nothing, an entity what it stands for (the tokens of `_TOKEN`,
    counted at once: every message sent is measured)."""
    return units(_MARKUP.sub(_shown_token, markup))


def _shown_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return "" if token.startswith("<") else html.unescape(token)


def fits(markup: str, limit: int = MAX_TEXT) -> bool:
    return html_units(markup) <= limit


def cut_text(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """A plain text of at most `limit` UTF-16 units: cut, with `ellipsis` at
    the end, if it was longer."""
    if units(text) <= limit:
        return text
    room = limit - units(ellipsis)
    kept, used = [], 0
    for char in text:
        size = units(char)
        if used + size > room:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ellipsis


class _Open:
    """The tags open at a point of a walk through the HTML."""

    def __init__(self) -> None:
        self.tags: list[tuple[str, str]] = []  # (name, the opening tag as written)

    def see(self, token: str) -> None:
        match = _TAG.fullmatch(token)
        if match is None:
            return
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            for i in range(len(self.tags) - 1, -1, -1):
                if self.tags[i][0] == name:
                    del self.tags[i:]
                    break
        elif not token.rstrip(">").rstrip().endswith("/"):
            self.tags.append((name, token))

    def closing(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.tags))

    def opening(self) -> str:
        return "".join(tag for _, tag in self.tags)


def cut_html(markup: str, limit: int = MAX_TEXT, ellipsis: str = ELLIPSIS) -> str:
    """HTML whose shown text is at most `limit` UTF-16 units: cut, ended with
    `ellipsis` and with its open tags closed, if it was longer."""
    if html_units(markup) <= limit:
        return markup
    room = limit - units(ellipsis)
    out: list[str] = []
    open_tags = _Open()
    used = 0
    for token in _TOKEN.findall(markup):
        size = _token_units(token)
        if used + size > room:
            break
        out.append(token)
        open_tags.see(token)
        used += size
    return "".join(out).rstrip() + html.escape(ellipsis, quote=False) + open_tags.closing()


def split_html(markup: str, limit: int = MAX_TEXT) -> list[str]:
    """HTML in pieces whose shown text is each at most `limit` UTF-16 units,
    broken at a line's end where one keeps the piece at least half full, else
    between two characters; each piece's tags are balanced."""
    if html_units(markup) <= limit:
        return [markup]
    tokens = _TOKEN.findall(markup)
    open_tags = _Open()
    pieces: list[str] = []
    start = 0
    while start < len(tokens):
        prefix = open_tags.opening()
        used, end, last_break = 0, start, None
        while end < len(tokens):
            size = _token_units(tokens[end])
            if used + size > limit:
                break
            used += size
            if tokens[end] == "\n":
                last_break = end
            end += 1
        if end < len(tokens) and last_break is not None:
            kept = sum(_token_units(t) for t in tokens[start:last_break])
            end = last_break if kept * 2 >= limit else end  # the newline goes with neither
        end = max(end, start + 1)
        body = tokens[start:end]
        for token in body:
            open_tags.see(token)
        closing = open_tags.closing() if end < len(tokens) else ""
        pieces.append(prefix + "".join(body) + closing)
        start = end
        if start < len(tokens) and tokens[start] == "\n":
            start += 1
    return [p for p in pieces if _shown(p).strip()]


def _shown(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def pack_lines(lines: Iterable[str], limit: int = MAX_TEXT) -> list[str]:
    """Lines of HTML joined into as few messages as fit in `limit` each; a line
    too long for one message is split across several."""
    messages: list[str] = []
    current: list[str] = []
    used = 0
    for line in _fitting(lines, limit):
        size = html_units(line)
        extra = size + (1 if current else 0)
        if current and used + extra > limit:
            messages.append("\n".join(current))
            current, used = [], 0
            extra = size
        current.append(line)
        used += extra
    if current:
        messages.append("\n".join(current))
    return messages


def _fitting(lines: Iterable[str], limit: int) -> Iterator[str]:
    for line in lines:
        yield from split_html(line, limit) if html_units(line) > limit else [line]
