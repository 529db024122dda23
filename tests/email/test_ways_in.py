"""The SMTP listener and the provider webhooks feed the same pipeline."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from rapport.conversations.models import Message
from rapport.inboxes.adapters.email import listener
from rapport.inboxes.adapters.email.models import RawEmail, RawSource
from tests.email.conftest import SUPPORT, mail
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
        mock.patch.object(listener, "ingest", side_effect=locked),
        smtplib.SMTP("127.0.0.1", smtp_listener, timeout=10) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("carol@mail.example", [SUPPORT], mail())
    assert refused.value.smtp_code == 451
    assert not RawEmail.objects.exists()


def configure_webhooks(inbox, **fields):
    inbox.config = {**inbox.config, **fields}
    inbox.save()


def test_mailgun_raw_mime_webhook_with_signature(email_inbox):
    configure_webhooks(email_inbox, webhook_signing_key="mg-key")
    token, timestamp = "tok123", "1700000000"
    signature = hmac.new(b"mg-key", f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "body-mime": mail().decode(),
        "token": token,
        "timestamp": timestamp,
        "signature": signature,
        "recipient": SUPPORT,
        "sender": "carol@mail.example",
    }
    url = f"/email/inbound/mailgun/{email_inbox.public_key}"
    assert Client().post(url, data).status_code == 200
    assert Message.objects.get().text == "The lamp arrived broken."
    data["signature"] = "0" * 64
    assert Client().post(url, data).status_code == 400
    assert Message.objects.count() == 1


def basic(user_pass: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(user_pass.encode()).decode()}


def test_postmark_webhook_with_basic_auth(email_inbox):
    configure_webhooks(email_inbox, webhook_basic_auth="pm:secret")
    payload = {
        "FromFull": {"Email": "carol@mail.example", "Name": "Carol"},
        "ToFull": [{"Email": SUPPORT, "Name": ""}],
        "Subject": "Broken lamp",
        "MessageID": "pm-1",
        "TextBody": "The lamp arrived broken.",
        "Headers": [{"Name": "Message-ID", "Value": "<pm1@mail.example>"}],
        "Date": "Mon, 2 Jun 2025 10:00:00 +0000",
    }
    url = f"/email/inbound/postmark/{email_inbox.public_key}"
    body = json.dumps(payload)
    assert (
        Client().post(url, body, content_type="application/json", **basic("pm:secret")).status_code
        == 200
    )
    assert Message.objects.get().conversation.customer.email == "carol@mail.example"
    assert (
        Client().post(url, body, content_type="application/json", **basic("pm:wrong")).status_code
        == 400
    )


def test_sendgrid_raw_webhook(email_inbox):
    configure_webhooks(email_inbox, webhook_basic_auth="sg:secret")
    url = f"/email/inbound/sendgrid/{email_inbox.public_key}"
    data = {"email": mail().decode(), "to": SUPPORT, "from": "carol@mail.example"}
    assert Client().post(url, data, **basic("sg:secret")).status_code == 200
    assert RawEmail.objects.get().source == RawSource.WEBHOOK


def test_webhook_without_any_secret_is_refused(email_inbox):
    url = f"/email/inbound/sendgrid/{email_inbox.public_key}"
    assert Client().post(url, {"email": mail().decode()}).status_code == 403
    assert Client().post("/email/inbound/nope/x", {}).status_code == 404
