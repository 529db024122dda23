"""Replies over SMTP: multipart, signature, attachments, CC, errors, no header injection."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.conversations.models import DeliveryStatus
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email.actions import send_email_reply
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.tokens import read_message_id, read_reply_address
from rapport.outbox.models import DeliveryState
from tests.email.conftest import mail

pytestmark = pytest.mark.django_db(transaction=True)


def conversation_of(inbox, **fields):
    raw = ingest(inbox, mail(**fields), source="imap")
    raw.refresh_from_db()
    return raw.message.conversation


def test_reply_is_multipart_with_signature_attachment_and_cc(email_inbox, email_agent, smtp_server):
    email_agent.signature = "Maria, Shop support"
    email_agent.save()
    conversation = conversation_of(email_inbox)
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 test", "application/pdf")
    send_email_reply(
        conversation=conversation,
        author=email_agent,
        text="Here is <the> invoice.",
        cc=["Boss@Mail.Example"],
        attachments=[pdf],
    )
    [sent] = smtp_server.mailbox.messages
    assert sent["Cc"] == "boss@mail.example"
    assert sorted(smtp_server.mailbox.envelopes[0].rcpt_tos) == [
        "boss@mail.example",
        "carol@mail.example",
    ]
    assert "-- \r\nMaria, Shop support" in sent.get_body(("plain",)).get_content()
    assert "Here is &lt;the&gt; invoice." in sent.get_body(("html",)).get_content()
    [attachment] = list(sent.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    token = read_message_id(sent["Message-ID"].strip("<>"))
    assert token is not None
    assert token.conversation_id == conversation.pk


def test_reply_to_token_when_enabled(email_inbox, email_agent, smtp_server):
    email_inbox.config = {**email_inbox.config, "reply_to_token": True}
    email_inbox.save()
    conversation = conversation_of(email_inbox)
    send_email_reply(conversation=conversation, author=email_agent, text="Hi")
    reply_to = smtp_server.mailbox.messages[0]["Reply-To"]
    assert reply_to.startswith("support+r")
    assert read_reply_address(reply_to).conversation_id == conversation.pk


def test_bad_cc_is_refused(email_inbox, email_agent):
    conversation = conversation_of(email_inbox)
    with pytest.raises(ValidationFailed):
        send_email_reply(
            conversation=conversation,
            author=email_agent,
            text="x",
            cc=["a@b.example\r\nBcc: x@evil.example"],
        )


def test_header_injection_through_names_and_subject_is_impossible(
    email_inbox, email_agent, smtp_server
):
    raw = (
        b"From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40evil=2Eexample?= <eve@mail.example>\r\n"
        b"Subject: =?utf-8?q?Hi=0D=0ABcc=3A_victim2=40evil=2Eexample?=\r\n\r\nhello"
    )
    stored = ingest(email_inbox, raw, source="imap")
    stored.refresh_from_db()
    send_email_reply(conversation=stored.message.conversation, author=email_agent, text="Hi")
    [sent] = smtp_server.mailbox.messages
    assert sent["Bcc"] is None
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["eve@mail.example"]


def test_temporary_smtp_error_retries_permanent_does_not(email_inbox, email_agent, smtp_server):
    conversation = conversation_of(email_inbox)
    smtp_server.mailbox.reject_with = "451 4.3.0 try later"
    first = send_email_reply(conversation=conversation, author=email_agent, text="one")
    delivery = first.deliveries.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 1)
    smtp_server.mailbox.reject_with = "554 5.7.1 rejected"
    second = send_email_reply(conversation=conversation, author=email_agent, text="two")
    second.refresh_from_db()
    assert second.delivery_status == DeliveryStatus.FAILED
    assert second.deliveries.get().state == DeliveryState.FAILED


def test_inbox_smtp_settings_are_used(email_inbox, email_agent, smtp_server, settings):
    settings.EMAIL_PORT = 9  # the site default would fail: the inbox's own server must be used
    email_inbox.config = {
        **email_inbox.config,
        "smtp": {"host": "127.0.0.1", "port": smtp_server.port, "security": "none", "timeout": 5},
    }
    email_inbox.save()
    conversation = conversation_of(email_inbox)
    reply = send_email_reply(conversation=conversation, author=email_agent, text="Hi")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(smtp_server.mailbox.messages) == 1
