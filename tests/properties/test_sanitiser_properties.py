"""Properties of the HTML sanitiser's public function (``core.html.sanitize_html``).

Hypothesis builds hostile HTML out of the pieces attacks are made of — script and style
elements, event handlers, javascript:/data:/vbscript: URLs with entity and case tricks,
unclosed and nested tags — mixed with ordinary text. Whatever comes in, what comes out:

- holds no script or style element, no on* attribute, no URL outside http(s)/mailto/cid;
- is a fixed point: sanitising it again changes nothing;
- keeps the words of the text that was not inside a removed element.

These test the public contract only, so they hold whatever the sanitiser's internals
become (issue 21).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.html import sanitize_html

SCHEMES = [
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "&#106;avascript:",
    "data:text/html,",
    "vbscript:",
    " javascript:",
    "http://ok.example/",
    "mailto:a@b.example",
    "cid:part1",
]
TAGS = ["a", "img", "p", "div", "script", "style", "iframe", "svg", "math", "form", "b", "td"]
ATTRIBUTES = ["href", "src", "onclick", "onerror", "ONLOAD", "style", "title", "formaction"]
words = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=12)


@st.composite
def element(draw: st.DrawFn) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = draw(
        st.lists(
            st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(SCHEMES) | words), max_size=3
        )
    )
    rendered = "".join(f' {name}="{value}alert(1)"' for name, value in attrs)
    inner = draw(words)
    closed = draw(st.booleans())
    return f"<{tag}{rendered}>{inner}" + (f"</{tag}>" if closed else "")


hostile = st.lists(element() | words | st.text(max_size=20), max_size=12).map("".join)
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAFE_URL = re.compile(r"^(?:https?:|mailto:|cid:|[^:]*$)", re.IGNORECASE)


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the output."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements_of(markup: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


@PROFILE
@given(hostile)
def test_no_script_handler_or_unsafe_url_survives(dirty: str) -> None:
    for tag, attrs in elements_of(sanitize_html(dirty)):
        assert tag not in {"script", "style", "iframe", "svg", "math", "form"}
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style"
            if name in {"href", "src"}:
                assert SAFE_URL.match((value or "").strip()), (tag, name, value)


@PROFILE
@given(hostile)
def test_sanitising_twice_changes_nothing(dirty: str) -> None:
    once = sanitize_html(dirty)
    assert sanitize_html(once) == once


@PROFILE
@given(st.lists(words, min_size=1, max_size=8))
def test_plain_text_keeps_its_words(parts: list[str]) -> None:
    text = " ".join(parts)
    assert html.unescape(sanitize_html(text)).split() == text.split()


@PROFILE
@given(words, st.sampled_from(["b", "p", "em", "div", "td"]))
def test_text_in_allowed_elements_is_kept(text: str, tag: str) -> None:
    clean = sanitize_html(f"<{tag}>{text}</{tag}><script>{text}x</script>")
    visible = re.sub(r"<[^>]+>", " ", clean)
    assert visible.split() == text.split()
