"""Message-ID, In-Reply-To and References read from the raw header text as written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.inboxes.adapters.email.headers import (
    raw_header,
    raw_message_id,
    raw_message_ids,
)
from rapport.inboxes.adapters.email.parse import parse_email


def mail(message_id_line: bytes, extra: bytes = b"") -> bytes:
    return (
        b"From: Carol <carol@cust.example>\r\nTo: support@shop.example\r\n"
        + message_id_line
        + b"\r\n"
        + extra
        + b"Subject: Order\r\n\r\nWhere is my order?\r\n"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"Message-ID: <Re: tok-1.5@cust.example>", "Re: tok-1.5@cust.example"),
        (b"Message-ID: <order 1@shop>", "order 1@shop"),
        (b"Message-Id: <a1@cust.example> (added by relay)", "a1@cust.example"),
        (b"message-id:\r\n\t<folded.1@cust.example>", "folded.1@cust.example"),
        (b"Message-ID: bare-id@cust.example", "bare-id@cust.example"),
        (b"Message-ID: <>", ""),
        (b"Message-ID:", ""),
        (b"X-Other: 1", ""),
    ],
)
def test_raw_message_id_is_the_text_as_written(line, expected):
    assert raw_message_id(mail(line)) == expected


def test_ids_that_differ_only_after_a_space_stay_different():
    first = raw_message_id(mail(b"Message-ID: <order 1@shop>"))
    second = raw_message_id(mail(b"Message-ID: <order 2@shop>"))
    assert first != second


def test_non_utf8_bytes_are_kept_distinct_and_storable():
    value = raw_message_id(mail(b"Message-ID: <caf\xe9@shop>"))
    assert value == "caf\\xe9@shop"
    value.encode("utf-8")  # storable in any text column


def test_long_ids_keep_a_hash_of_the_whole():
    one = raw_message_id(mail(b"Message-ID: <" + b"a" * 400 + b"1@x>"))
    two = raw_message_id(mail(b"Message-ID: <" + b"a" * 400 + b"2@x>"))
    assert len(one) == 250
    assert one != two


def test_references_with_spaces_inside_and_folding():
    raw = mail(
        b"Message-ID: <m@x>",
        b"In-Reply-To: <Re: tok-1.5@cust.example>\r\n"
        b"References: <a@x>\r\n <Re: tok-1.5@cust.example>\r\n\t<c@x>\r\n",
    )
    assert raw_message_ids(raw, "In-Reply-To") == ["Re: tok-1.5@cust.example"]
    assert raw_message_ids(raw, "References") == ["a@x", "Re: tok-1.5@cust.example", "c@x"]


def test_a_line_before_the_headers_is_skipped():
    raw = b"From carol@cust.example Sat Dec  5 03:00:00 2026\n" + mail(b"Message-ID: <m1@x>")
    assert raw_message_id(raw) == "m1@x"
    assert raw_header(raw, "subject") == "Order"


def test_the_body_is_never_read_as_headers():
    raw = b"From: a@x\r\n\r\nMessage-ID: <in-body@x>\r\n"
    assert raw_message_id(raw) == ""


def test_parse_email_uses_the_raw_ids():
    parsed = parse_email(
        mail(b"Message-ID: <Re: tok-1.5@cust.example>", b"In-Reply-To: <order 1@shop>\r\n")
    )
    assert parsed.message_id == "Re: tok-1.5@cust.example"
    assert parsed.in_reply_to == ["order 1@shop"]


def test_an_empty_message_id_falls_back_to_a_hash_of_the_bytes():
    one = parse_email(mail(b"Message-ID: <>", b"X-N: 1\r\n"))
    two = parse_email(mail(b"Message-ID: <>", b"X-N: 2\r\n"))
    assert one.message_id.startswith("sha256-")
    assert one.message_id != two.message_id


@given(st.binary(max_size=300))
def test_any_bytes_give_a_storable_id_without_raising(data):
    raw_message_id(data).encode("utf-8")
    raw_message_id(b"Message-ID: " + data + b"\r\n\r\nbody").encode("utf-8")


@given(
    st.lists(
        st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="<>"),
            min_size=1,
            max_size=60,
        ),
        min_size=2,
        max_size=2,
        unique=True,
    )
)
def test_two_different_ids_never_collapse(ids):
    first, second = (raw_message_id(mail(f"Message-ID: <{i} x>".encode())) for i in ids)
    assert first != second
