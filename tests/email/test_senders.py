"""Senders read from the From header as written, recovered where safe, else from Sender,
Return-Path or Reply-To; a mail with a malformed From reaches the inbox, flagged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawState
from rapport.inboxes.adapters.email.parse import parse_email
from tests.conftest import logged_in


def mail_from(from_line: bytes, extra: bytes = b"") -> bytes:
    return (
        b"From: " + from_line + b"\r\n" + extra + b"To: support@shop.example\r\n"
        b"Subject: Broken lamp\r\nMessage-ID: <s1@cust.example>\r\n\r\nThe lamp is broken.\r\n"
    )


@pytest.mark.parametrize(
    ("from_line", "name", "address"),
    [
        (b"marc.smith@example.com (Marc Smith)", "Marc Smith", "marc.smith@example.com"),
        (b'"Smith, Marc" <Marc.Smith@Example.com>', "Smith, Marc", "marc.smith@example.com"),
        (b"marc@home <marc.smith@example.com>", "marc@home", "marc.smith@example.com"),
        (b"=?utf-8?q?J=C3=B6rg?= <jorg@example.com>", "Jörg", "jorg@example.com"),
    ],
)
def test_readable_senders_are_read_exactly(from_line, name, address):
    parsed = parse_email(mail_from(from_line))
    assert (parsed.from_name, parsed.from_address) == (name, address)
    assert parsed.sender_uncertain == ""


@pytest.mark.parametrize(
    ("from_line", "name", "address"),
    [
        (b"Test test@example.com", "Test", "test@example.com"),
        (b"Marc Smith marc @ example.com", "Marc Smith", "marc@example.com"),
    ],
)
def test_a_single_plain_address_is_recovered_from_a_malformed_from(from_line, name, address):
    parsed = parse_email(mail_from(from_line))
    assert (parsed.from_name, parsed.from_address) == (name, address)
    assert "malformed" in parsed.sender_uncertain


@pytest.mark.parametrize(
    ("from_line", "extra", "address", "header"),
    [
        (
            b"<john doe@example.com>",
            b"Return-Path: <jdoe@example.com>\r\n",
            "jdoe@example.com",
            "Return-Path",
        ),
        (
            b"John <john@example>",
            b"Reply-To: John <john@example.org>\r\n",
            "john@example.org",
            "Reply-To",
        ),
        (b"a@x.example b@y.example", b"Sender: a@x.example\r\n", "a@x.example", "Sender"),
    ],
)
def test_an_unsafe_from_falls_back_to_other_headers(from_line, extra, address, header):
    parsed = parse_email(mail_from(from_line, extra))
    assert parsed.from_address == address
    assert f"address from {header}" in parsed.sender_uncertain


def test_a_forwarded_raw_mail_with_a_line_before_its_headers():
    raw = b"---------- Forwarded message ---------\r\n" + mail_from(b"Carol <carol@example.com>")
    parsed = parse_email(raw)
    assert parsed.from_address == "carol@example.com"
    assert parsed.subject == "Broken lamp"
    assert parsed.text.strip() == "The lamp is broken."
    assert any("line before the headers" in problem for problem in parsed.problems)


@pytest.mark.django_db
def test_a_malformed_from_reaches_the_inbox_flagged_for_the_agent(email_inbox, email_agent):
    raw = ingest(email_inbox, mail_from(b"Test test@example.com"), source="imap")
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED, raw.error
    message = raw.message
    assert message.email.from_address == "test@example.com"
    assert "sender-uncertain" in message.email.flags
    page = logged_in(email_agent).get(f"/conversations/{message.conversation_id}").content.decode()
    assert "Sender address could not be read exactly" in page


@given(st.text(max_size=120).filter(lambda value: "\n" not in value and "\r" not in value))
def test_any_from_header_is_read_without_raising(value):
    parsed = parse_email(mail_from(value.encode("utf-8", errors="surrogatepass")))
    if parsed.from_address:
        assert " " not in parsed.from_address
        assert "@" in parsed.from_address
