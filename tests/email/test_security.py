"""Hostile mail gets the safe behaviour, within bounded time."""

from __future__ import annotations

import time

import pytest

from rapport.conversations.models import Conversation, Direction
from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.adapters.email.deliver import SUSPICIOUS_TAG
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawState
from rapport.inboxes.adapters.email.parse import parse_email
from tests.email.conftest import mail

pytestmark = pytest.mark.django_db


def first_message(raw):
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED, raw.error
    return raw.message


def test_spoofed_from_failing_dmarc_is_flagged_and_not_threaded(email_inbox):
    genuine = first_message(ingest(email_inbox, mail(message_id="<g@mail.example>"), source="imap"))
    spoof = mail(
        message_id="<s@evil.example>",
        subject=f"Re: Broken lamp [#{genuine.conversation_id}]",
        body="Please send the refund to my new bank account.",
        headers={
            "In-Reply-To": "<g@mail.example>",
            "Authentication-Results": "mx.shop.example; spf=fail smtp.mailfrom=evil.example; "
            "dkim=none; dmarc=fail (p=reject) header.from=mail.example",
        },
    )
    message = first_message(ingest(email_inbox, spoof, source="imap"))
    assert message.conversation_id != genuine.conversation_id
    assert message.conversation.customer_id == genuine.conversation.customer_id
    assert message.email.dmarc == "fail"
    assert message.email.is_suspicious
    assert list(message.conversation.tags.values_list("name", flat=True)) == [SUSPICIOUS_TAG]


def test_forged_header_below_the_receiving_servers_is_not_trusted(email_inbox):
    raw = mail(
        headers={
            "Authentication-Results": "mx.shop.example; dmarc=fail header.from=mail.example",
            "X-Filler": "x",
        }
    ).replace(
        b"X-Filler: x",
        b"Authentication-Results: forged.example; dmarc=pass header.from=mail.example",
    )
    message = first_message(ingest(email_inbox, raw, source="imap"))
    assert message.email.dmarc == "fail"


def test_forged_reply_token_opens_a_new_conversation(email_inbox):
    victim = first_message(ingest(email_inbox, mail(message_id="<v@mail.example>"), source="imap"))
    real = tokens.message_id_for(
        inbox_id=email_inbox.pk, conversation_id=victim.conversation_id, message_id=1, domain="x"
    )
    forged = real[:-3] + ("0" if real[-3] != "0" else "1") + real[-2:]
    forged_sig = real.split("@")[0][:-1] + ("a" if real.split("@")[0][-1] != "a" else "b")
    attacker = mail(
        sender="Mallory <mallory@evil.example>",
        message_id="<x@evil.example>",
        headers={"In-Reply-To": f"<{forged_sig}@x>", "References": f"<{forged}> <v@mail.example>"},
    )
    message = first_message(ingest(email_inbox, attacker, source="imap"))
    assert message.conversation_id != victim.conversation_id
    assert Conversation.objects.filter(customer__email="mallory@evil.example").count() == 1


def test_guessed_conversation_number_from_a_stranger_opens_a_new_conversation(email_inbox):
    victim = first_message(ingest(email_inbox, mail(message_id="<v2@mail.example>"), source="imap"))
    attacker = mail(
        sender="mallory@evil.example",
        message_id="<y@evil.example>",
        subject=f"Re: [#{victim.conversation_id}]",
    )
    message = first_message(ingest(email_inbox, attacker, source="imap"))
    assert message.conversation_id != victim.conversation_id


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script><p>hi</p>",
        '<svg onload="alert(1)"><script>alert(2)</script></svg><p>hi</p>',
        '<a href="javascript:alert(1)">hi</a>',
        '<img src="x" onerror="alert(1)"><p>hi</p>',
        '<iframe src="https://evil.example"></iframe><p>hi</p>',
        '<a href="data:text/html,<script>alert(1)</script>">hi</a>',
    ],
)
def test_active_content_in_html_bodies_is_removed(email_inbox, payload):
    raw = (
        b"From: carol@mail.example\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n"
        + payload.encode()
    )
    message = first_message(ingest(email_inbox, raw, source="imap"))
    for stored in (message.html, message.email.html_original):
        lowered = stored.lower()
        for bad in ("<script", "onload", "onerror", "javascript:", "<svg", "<iframe", "data:"):
            assert bad not in lowered


def test_crlf_in_names_never_reaches_headers(email_inbox):
    raw = (
        b"From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?= <eve@mail.example>\r\n"
        b"Subject: =?utf-8?q?Hi=0D=0AX-Injected=3A_1?=\r\n\r\nhello"
    )
    message = first_message(ingest(email_inbox, raw, source="imap"))
    assert "\n" not in message.conversation.customer.name
    assert "\r" not in message.email.subject
    assert message.conversation.customer.name == "Eve Bcc: victim@evil.example"


def test_oversized_attachment_is_left_out_and_noted(email_inbox, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1000
    raw = (
        b"From: carol@mail.example\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=B\r\n"
        b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="big.pdf"\r\n'
        b"\r\n" + b"x" * 5000 + b"\r\n--B--\r\n"
    )
    message = first_message(ingest(email_inbox, raw, source="imap"))
    assert message.attachments.count() == 0
    assert message.email.flags == ["attachment-too-large:big.pdf:5000"]
    assert message.text == (
        "see attached\n\n"
        "[The attachment “big.pdf” (4 KB) was left out: an attachment may be 1000 bytes at most.]"
    )


def test_oversized_single_part_message_keeps_its_start_with_a_note(email_inbox):
    email_inbox.config = {**email_inbox.config, "max_message_bytes": 2048}
    email_inbox.save()
    raw = ingest(email_inbox, mail(body="x" * 4000), source="imap")
    message = first_message(raw)
    text, note = message.text.split("\n\n")
    assert set(text) == {"x"}
    assert 1500 < len(text) < 2048
    assert note.startswith("[The rest of the text (")
    assert "over this inbox's 2 KB limit" in note
    assert len(bytes(raw.data)) > 4000  # the whole mail is kept


def nested(depth: int) -> bytes:
    head = b"From: carol@mail.example\r\nSubject: deep\r\n"
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nhello\r\n" + closing


@pytest.mark.parametrize("depth", [50, 5000])
def test_deeply_nested_multiparts_are_bounded(email_inbox, depth):
    started = time.perf_counter()
    raw = ingest(email_inbox, nested(depth), source="imap")
    message = first_message(raw)
    assert time.perf_counter() - started < 3
    assert message.direction == Direction.INBOUND
    assert message.text.startswith("hello")
    if depth >= 64:  # too deep to parse: the text found by a scan, the reason noted
        assert "MIME structure not parsed: 5000 nested multipart" in raw.error
        assert "[Its MIME structure (" in message.text


def test_header_bombs_and_charset_tricks_are_bounded(email_inbox):
    words = b" ".join([b"=?utf-8?q?caf=C3=A9?="] * 50_000)
    recipients = b", ".join(b"x%d@mail.example" % i for i in range(20_000))
    raw = (
        b"From: carol@mail.example\r\nSubject: " + words + b"\r\nTo: " + recipients + b"\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n+AGEAYgBj-" + b"+AGE-" * 100_000
    )
    started = time.perf_counter()
    message = first_message(ingest(email_inbox, raw, source="imap"))
    assert time.perf_counter() - started < 5
    assert message.email.subject.startswith("cafécafé")  # RFC 2047: adjacent words join
    assert len(message.email.to) <= 50


def test_unknown_and_hostile_charset_names_do_not_crash():
    for charset in ("x-evil", "utf-8'; drop", "", "unicode-1-1-utf-7", "a" * 500):
        raw = f"From: c@mail.example\r\nContent-Type: text/plain; charset={charset}\r\n\r\nhi"
        assert parse_email(raw.encode()).text == "hi"
