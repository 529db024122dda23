"""HTML from outside is made inert before it is stored or shown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rapport.conversations.attachments import clean_filename, sniff_content_type
from rapport.core.html import sanitize_html


def test_scripts_handlers_and_javascript_urls_are_removed():
    dirty = (
        '<p onclick="x()">Hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">link</a><img src=x onerror=alert(1)>'
        '<svg><script>alert(1)</script></svg><iframe src="http://evil"></iframe>'
        '<style>body{display:none}</style><a href="https://ok.example">ok</a>'
    )
    clean = sanitize_html(dirty)
    for bad in ("<script", "onclick", "onerror", "javascript:", "<svg", "<iframe", "<style"):
        assert bad not in clean
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a>' in clean


@given(st.text())
def test_sanitized_output_never_contains_a_script_tag(text):
    assert "<script" not in sanitize_html(text + "<script>x</script>").lower()


def test_content_type_comes_from_the_bytes():
    assert sniff_content_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_content_type("héllo".encode()) == "text/plain"
    assert sniff_content_type(b"\xff\xfe\x00\x81\x82") == "application/octet-stream"


def test_filenames_lose_paths_and_control_characters():
    assert clean_filename("..\\..\\boot.ini") == "boot.ini"
    assert clean_filename('a"b<c>\r\n.txt') == "abc.txt"
    assert clean_filename("") == "file"
