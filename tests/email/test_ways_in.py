"""The SMTP listener and the provider webhooks feed the same pipeline."""

from __future__ import annotations

import json
import smtplib
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from rapport.conversations.models import Message
from rapport.inboxes.adapters.email import imap, listener
from rapport.inboxes.adapters.email.models import RawEmail, RawSource, RawState
from tests.email.conftest import SUPPORT, mail
from tests.email.hostile import BASIC, basic_auth, configure, fixture, inbound_url
from tests.outbox.conftest import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.email.urls")]


@pytest.fixture
def smtp_listener(email_inbox):
    port = free_port()
    controller = listener.start_smtp_listener("127.0.0.1", port)
    yield port
    controller.stop()


def test_smtp_listener_ingests_mail_for_our_addresses(email_inbox, smtp_listener):
    with smtplib.SMTP("127.0.0.1", smtp_listener, timeout=10) as client:
        client.sendmail("carol@mail.example", [SUPPORT], mail())
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("carol@mail.example", ["nobody@elsewhere.example"], mail())
    [raw] = RawEmail.objects.all()
    assert raw.source == RawSource.SMTP
    assert Message.objects.get().text == "The lamp arrived broken."


def test_smtp_listener_asks_to_retry_when_the_database_is_down(email_inbox, smtp_listener):
    locked = OperationalError("database is locked")
    with (
        mock.patch.object(listener, "store_raw", side_effect=locked),
        smtplib.SMTP("127.0.0.1", smtp_listener, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("carol@mail.example", [SUPPORT], mail())
    assert refused.value.smtp_code == 451
    assert not RawEmail.objects.exists()


def test_webhook_urls_of_unknown_providers_or_inboxes_are_404(email_inbox):
    # Each provider's own checks: tests/email/test_hostile_{mailgun,postmark,sendgrid}.py
    assert Client().post(f"/email/inbound/nope/{email_inbox.public_key}", {}).status_code == 404
    assert Client().post("/email/inbound/sendgrid/nope", {}).status_code == 404
    assert Client().get(f"/email/inbound/sendgrid/{email_inbox.public_key}").status_code == 405


@pytest.mark.parametrize("post_carries", ["RawEmail", "fields"])
def test_one_mail_by_imap_and_by_a_providers_webhook_is_one_message(
    imap_inbox, dovecot, post_carries
):
    """A mailbox read by IMAP that also forwards to Postmark: the Message-ID (with the
    sender) names the mail on both ways, Postmark's MessageID only its delivery."""
    original = mail(message_id="<CAGXpo2WKfxHWZ5U@mail.example>")
    dovecot.append(original)
    imap.poll(imap_inbox)
    configure(imap_inbox, webhook_basic_auth=BASIC)
    payload = fixture("postmark_inbound.json")
    payload["Headers"] = [h for h in payload["Headers"] if h["Name"] != "Message-ID"]
    payload["Headers"].append({"Name": "Message-ID", "Value": "<CAGXpo2WKfxHWZ5U@mail.example>"})
    if post_carries == "RawEmail":
        payload["RawEmail"] = original.decode()

    response = Client().post(
        inbound_url(imap_inbox, "postmark"),
        json.dumps(payload),
        content_type="application/json",
        **basic_auth(),
    )

    assert response.status_code == 200
    message = Message.objects.get()  # one message, from the IMAP copy
    webhook_copy = RawEmail.objects.get(source=RawSource.WEBHOOK)
    assert (webhook_copy.state, webhook_copy.message_id) == (RawState.IGNORED, message.pk)
    assert webhook_copy.error == "the same message arrived before"


def test_a_mail_to_two_addresses_posted_twice_by_the_provider_is_one_message(email_inbox):
    """Two deliveries (two Postmark MessageIDs) of one mail: one message, as by IMAP."""
    configure(email_inbox, webhook_basic_auth=BASIC)
    first = fixture("postmark_inbound.json")
    second = {**first, "MessageID": "second-delivery", "OriginalRecipient": "help@shop.example"}
    for payload in (first, second):
        response = Client().post(
            inbound_url(email_inbox, "postmark"),
            json.dumps(payload),
            content_type="application/json",
            **basic_auth(),
        )
        assert response.status_code == 200
    assert Message.objects.count() == 1
    assert sorted(RawEmail.objects.values_list("state", flat=True)) == sorted(
        [RawState.PROCESSED, RawState.IGNORED]
    )
