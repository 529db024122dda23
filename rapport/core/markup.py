"""One linear pass over HTML from outside: its depth capped, or its text read out.

Not a sanitiser and not a full HTML parser: a streaming tokenizer that sees text, tags,
comments and script/style blocks, enough to count nesting and to find the text. Every
step looks ahead only to the next ``<`` or ``>`` (never to the end of the input from
every position), so hostile markup — unclosed tags, unterminated comments, a million
nested elements — costs time linear in its length. ``core.html`` sanitises its output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

MAX_DEPTH = 100  # elements nested deeper are unwrapped (their text is kept)
# HTML re-opens every unclosed formatting element (``<b>``, ``<font>``...) after each
# block: 10,000 distinct unclosed ``<b class=..>`` between paragraphs made the sanitiser
# write 84 times the input. More than this many open at once are unwrapped too.
MAX_FORMATTING = 6
FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong"}
    | {"tt", "u"}
)

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_DROPPED_WITH_CONTENT = frozenset({"script", "style"})
# A start tag of one of these closes a sibling of the same name left open (``<li>a<li>b``).
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})

# One alternative per kind of token, tried at each position in order. Every alternative
# stops at the next ``<`` or ``>`` or runs to the end of the input once (an unterminated
# comment or script swallows the rest, as in HTML), so the scan is linear.
_TOKEN = re.compile(
    r"(?P<other><!--.*?(?:-->|\Z)"  # a comment
    r"|<[!?][^>]*(?:>|\Z)"  # a doctype or processing instruction
    r"|(?i:<(?P<raw>script|style)\b(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*>.*?(?:</(?P=raw)\s*>|\Z)))"
    r"|<(?P<slash>/?)(?P<name>[A-Za-z][^\s/<>]*)(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*>"
    r"|(?P<text>[^<]+|<)",  # text; a ``<`` that starts no tag is text too
    re.DOTALL,
)

Token = tuple[str, str, str]  # (kind, the token as written, lower-case tag name)


def tokens(html: str) -> Iterator[Token]:
    """The tokens of ``html`` in order: kind "text", "start", "end" or "other" (a comment,
    doctype, or a whole script or style block: dropped by both uses below)."""
    for match in _TOKEN.finditer(html):
        last = match.lastgroup  # "text", "other" or, for a tag, "name" (closed last)
        if last == "name":
            name = match.group("name").lower()
            yield ("end" if match.group("slash") else "start"), match.group(), name
        else:
            yield last or "text", match.group(), ""


def flatten(html: str, max_depth: int = MAX_DEPTH) -> str:
    """``html`` with the tags nested deeper than ``max_depth`` (or beyond MAX_FORMATTING
    open formatting elements) removed, all text kept.

    A removed block element leaves a ``<br>`` so its text keeps its own line. Markup that
    is shallow enough comes back unchanged (the same characters).
    """
    if html.count("<") <= max_depth:  # too few tags to nest that deep
        return html
    state = _Open(max_depth)
    out = state.out
    for kind, source, name in tokens(html):
        if kind == "start":
            state.start(name, source)
        elif kind == "end":
            state.end(name, source)
        else:
            out.append(source)
    return "".join(out)


class _Open:
    """The elements a ``flatten`` pass has kept open, and the tags it removed."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.out: list[str] = []
        self.tags: list[str] = []  # kept and still open, innermost last
        self.count: Counter[str] = Counter()
        self.formatting = 0  # how many of them are formatting elements
        self.dropped: Counter[str] = Counter()  # removed start tags whose end is still due

    def start(self, name: str, source: str) -> None:
        if name in _SELF_CLOSING_SIBLINGS and self.tags and self.tags[-1] == name:
            self._pop()  # closed implicitly by its sibling
        if name in VOID or source.endswith("/>"):
            self.out.append(source)
        elif len(self.tags) >= self.max_depth or (
            name in FORMATTING and self.formatting >= MAX_FORMATTING
        ):
            self.dropped[name] += 1
        else:
            self.tags.append(name)
            self.count[name] += 1
            self.formatting += name in FORMATTING
            self.out.append(source)

    def end(self, name: str, source: str) -> None:
        if self.dropped[name]:
            self.dropped[name] -= 1
            if name in BLOCKS and self.out and self.out[-1] != "<br>":
                self.out.append("<br>")
            return
        if self.count[name]:
            # Elements left open inside it close with it (at most ``max_depth``).
            while self.tags and self._pop() != name:
                pass
        self.out.append(source)

    def _pop(self) -> str:
        name = self.tags.pop()
        self.count[name] -= 1
        self.formatting -= name in FORMATTING
        return name


_LINE_ENDS = frozenset(["p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"])


def text_of(html: str) -> str:
    """The text of ``html`` (entities still escaped): tags removed, a line break for each
    ``<br>``, ``<hr>`` and end of a paragraph-like block; comments, scripts and styles
    dropped."""
    out: list[str] = []
    for kind, source, name in tokens(html):
        if kind == "text":
            out.append(source)
        elif (kind == "end" and name in _LINE_ENDS) or (kind == "start" and name in ("br", "hr")):
            out.append("\n")
    return "".join(out)
