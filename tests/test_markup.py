"""The linear pre-pass over HTML from outside: deep markup keeps its text, in bounded time."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from rapport.core.html import sanitize_html
from rapport.core.markup import MAX_DEPTH, flatten, text_of, tokens
from rapport.inboxes.adapters.email.deliver import NO_TEXT, mail_body
from rapport.inboxes.adapters.email.parse import parse_email


def nested(depth: int, text: str = "the customer's words") -> str:
    return "<div>" * depth + text + "</div>" * depth


def test_shallow_markup_comes_back_unchanged():
    html = "<p>Hi <b>there</b></p>" * 60 + "<table><tr><td>a<td>b</table><!-- c -->"
    assert flatten(html) == html


def test_tags_deeper_than_the_cap_are_removed_and_their_text_kept():
    flat = flatten(nested(1000))
    assert flat.count("<div>") == MAX_DEPTH
    assert flat.count("</div>") == MAX_DEPTH
    assert "the customer's words" in flat


def test_unclosed_distinct_formatting_elements_are_capped():
    html = "".join(f'<b class="c{i}"><p>x' for i in range(1000))
    assert len(sanitize_html(html)) < 20 * len(html)  # was 84 times the input


@given(st.lists(st.sampled_from(["<div>", "</div>", "<p>", "<b>", "</b>", "x", "y", "<br>"])))
def test_flattening_never_loses_text(pieces):
    html = "".join(pieces) * 30
    assert "".join(text_of(flatten(html, max_depth=5)).split()) == "".join(text_of(html).split())


def test_scripts_styles_and_comments_are_one_token_even_unterminated():
    found = list(tokens("a<script>x<div></SCRIPT><!-- c --><style>p{}<b>never closed"))
    assert [kind for kind, _, _ in found] == ["text", "other", "other", "other"]
    assert found[-1][1] == "<style>p{}<b>never closed"  # swallows the rest, as in HTML


def test_text_of_reads_line_breaks_and_drops_markup():
    assert text_of("<p>one</p><div>two<br>three</div><script>x</script>4 &lt; 5") == (
        "one\ntwo\nthree\n4 &lt; 5"
    )


def test_deep_html_mail_still_shows_its_text():
    # Past ~254 levels the body used to disappear: the agent saw "(This e-mail has no text.)"
    raw = b"From: a@cust.example\r\nContent-Type: text/html\r\n\r\n" + nested(300).encode()
    body = mail_body(parse_email(raw))
    assert body.text == "the customer's words"
    assert body.text != NO_TEXT


def test_sanitising_grows_linearly_with_depth():
    def seconds(depth: int) -> float:
        started = time.perf_counter()
        sanitize_html(nested(depth))
        return time.perf_counter() - started

    small, large = seconds(10_000), seconds(100_000)
    assert large < 5  # was 40.6 s
    assert large < 30 * max(small, 0.01)  # 10x the input: ~10x the time, not 100x


def test_hostile_text_is_read_in_bounded_time():
    hostile = ("<a <b title=\"x <!-- <div class='" * 200_000)[:5_000_000]
    started = time.perf_counter()
    sanitize_html(hostile)
    text_of(hostile)
    assert time.perf_counter() - started < 5
