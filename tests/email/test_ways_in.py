"""The SMTP listener and the provider webhooks feed the same pipeline."""

from __future__ import annotations

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
