"""Telegram's HTML parse mode, checked the way Telegram checks it.

Only Telegram's own tags are allowed, every tag must be closed in order,
and only the entities &lt; &gt; &amp; &quot; (and numeric ones) exist. A
message that breaks any rule is refused with a 400, so a formatting bug in
the bot fails a test instead of a resident's message.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
NAMED_ENTITIES = {"lt", "gt", "amp", "quot"}


class HtmlError(ValueError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise HtmlError(f'unsupported start tag "{tag}"')
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            raise HtmlError("span without class tg-spoiler")
        if tag == "a" and not any(name == "href" for name, _ in attrs):
            raise HtmlError("a tag without href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise HtmlError(f'unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise HtmlError(f'unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            raise HtmlError("unescaped < or >")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise HtmlError(f'unsupported entity "&{name};"')
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise HtmlError("comments are not supported")

    def handle_decl(self, decl: str) -> None:
        raise HtmlError("declarations are not supported")

    def unknown_decl(self, data: str) -> None:
        raise HtmlError("declarations are not supported")


def html_to_text(markup: str) -> str:
    """The plain text a chat shows for `markup`, or HtmlError if Telegram would refuse it."""
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    if checker.rawdata:
        raise HtmlError("unfinished tag at the end of the text")
    if checker.stack:
        raise HtmlError(f'unclosed start tag "{checker.stack[-1]}"')
    return "".join(checker.text)
