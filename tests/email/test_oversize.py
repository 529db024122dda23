"""A mail over a cap keeps its words: what can be shown reaches the inbox, with a note
naming what was left out, and the sender is told by mail."""

from __future__ import annotations

import base64
import os
import time

import pytest

from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawState
from rapport.inboxes.adapters.email.oversize import fit
from rapport.inboxes.adapters.email.parse import parse_email

MB = 1024 * 1024
WORDS = "Hello, the scan of the broken invoice is attached. Order 4711."


def with_attachments(*files: tuple[str, bytes]) -> bytes:
    parts = [
        b"--OUTER\r\nContent-Type: multipart/alternative; boundary=INNER\r\n\r\n"
        b"--INNER\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + WORDS.encode() + b"\r\n"
        b"--INNER\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>"
        + WORDS.encode()
        + b"</p>\r\n"
        b"--INNER--\r\n"
    ]
    for name, data in files:
        parts.append(
            b"--OUTER\r\nContent-Type: application/pdf\r\n"
            b'Content-Disposition: attachment; filename="' + name.encode() + b'"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"\r\n"
        )
    return (
        b"From: Carol Customer <carol@cust.example>\r\nTo: support@shop.example\r\n"
        b"Subject: Broken invoice\r\nMessage-ID: <big1@cust.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="OUTER"\r\n\r\n'
        + b"".join(parts)
        + b"--OUTER--\r\n"
    )


def test_a_mail_within_the_cap_is_unchanged():
    raw = with_attachments(("a.pdf", b"x" * 1000))
    assert fit(raw, len(raw)) == (raw, [])


def test_the_largest_parts_go_first_and_the_text_stays():
    raw = with_attachments(("small.pdf", b"s" * 2000), ("large.pdf", b"L" * 50_000))
    parsed = parse_email(raw, max_bytes=len(raw) - 10_000)
    assert parsed.text.strip() == WORDS
    assert [a.filename for a in parsed.attachments] == ["small.pdf"]
    [left] = parsed.left_out
    assert left.name == "The attachment “large.pdf”"
    assert left.is_file


def test_a_structure_too_complex_to_parse_is_named():
    raw = b"From: a@cust.example\r\nSubject: deep\r\n" + (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' * 100
    )
    parsed = parse_email(raw)
    assert any(item.name == "Its MIME structure" for item in parsed.left_out)


def test_an_over_long_header_is_named():
    raw = b"From: a@cust.example\r\nX-Junk: " + b"j" * 20_000 + b"\r\n\r\nhello\r\n"
    parsed = parse_email(raw)
    assert [item.name for item in parsed.left_out] == ["Part of the X-Junk header"]


@pytest.mark.django_db(transaction=True)
def test_a_30_mb_attachment_over_a_25_mb_cap_leaves_the_words_in_the_inbox(
    email_inbox, smtp_server
):
    email_inbox.config = {
        **email_inbox.config,
        "max_message_bytes": 25 * MB,
        "acknowledge_senders": ["cust.example"],  # no trusted server here: listed instead
    }
    email_inbox.save()
    raw_bytes = with_attachments(("photo.pdf", b"p" * 100_000), ("scan.pdf", os.urandom(30 * MB)))
    started = time.perf_counter()
    raw = ingest(email_inbox, raw_bytes, source="smtp")
    elapsed = time.perf_counter() - started
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED, raw.error
    assert len(bytes(raw.data)) == len(raw_bytes)  # the whole mail is kept
    message = raw.message
    assert message.text.startswith(WORDS)
    assert message.text.endswith(
        "\n\n[The attachment “scan.pdf” (30.0 MB) was left out: the mail is 40.7 MB, "
        "over this inbox's 25.0 MB limit.]"
    )
    assert [a.filename for a in message.attachments.all()] == ["photo.pdf"]
    [notice] = smtp_server.mailbox.messages  # the sender is told, through the outbox
    assert notice["To"].addresses[0].addr_spec == "carol@cust.example"
    assert notice["Auto-Submitted"] == "auto-replied"
    body = notice.get_body(("plain",)).get_content()
    assert "scan.pdf" in body
    assert "photo.pdf" not in body
    assert elapsed < 20  # generous: the machine is shared; most of it is storing 41 MB


def test_a_mail_with_too_many_parts_still_shows_its_text():
    raw = with_attachments(*[(f"f{i}.pdf", b"x" * 10) for i in range(1000)])
    started = time.perf_counter()
    parsed = parse_email(raw)
    assert time.perf_counter() - started < 3
    assert parsed.text.strip() == WORDS
    [structure] = parsed.left_out
    assert structure.reason == "1004 MIME parts (limit 500)"  # 1000 files, 2 texts, 2 containers
