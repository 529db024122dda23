"""An invitation's link opens a seat, so its outbox row keeps the mail's text encrypted:
a database backup holds no usable link, the mail still carries it, and a text no key
opens fails the delivery with words instead of mailing garbage."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from rapport.conversations.staff_mail import send_notification
from rapport.core import encryption
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery, DeliveryKind
from tests.web.test_invitations import PASSWORD, invite

pytestmark = pytest.mark.django_db(transaction=True)

KEY_A = "first-encryption-key-of-the-installation"
KEY_B = "second-encryption-key-after-the-rotation"


def test_the_outbox_row_holds_no_link_and_the_mail_does(admin_client, settings):
    settings.RAPPORT_ENCRYPTION_KEY = KEY_A

    link = invite(admin_client)

    row = Delivery.objects.get(kind=DeliveryKind.NOTIFICATION)
    stored = json.dumps(row.payload)
    secret = link.rsplit("/", 1)[1]
    assert secret not in stored
    assert "/invitations/" not in stored
    assert set(row.payload) == {"to", "subject", "encrypted_body"}
    assert secret in encryption.decrypt(row.payload["encrypted_body"])
    assert link in mail.outbox[-1].body
    data = {"name": "Nina New", "password": PASSWORD, "password_again": PASSWORD}
    assert Client().post(link, data).status_code == 302


def test_a_text_no_key_opens_fails_the_delivery_in_words(db, settings):
    settings.RAPPORT_ENCRYPTION_KEY = KEY_A
    delivery = Delivery.objects.create(
        kind=DeliveryKind.NOTIFICATION,
        next_attempt_at=timezone.now(),
        payload={
            "to": "nina@shop.example",
            "subject": "Ada invited you",
            "encrypted_body": encryption.encrypt("the link"),
        },
    )
    settings.RAPPORT_ENCRYPTION_KEY = KEY_B

    with pytest.raises(DeliveryError, match="resend the invitation") as refused:
        send_notification(delivery)

    assert refused.value.permanent
    assert not mail.outbox


BEFORE = [("outbox", "0001_initial")]
AFTER = [("outbox", "0002_totp_encrypted_invitation_links")]


def test_links_queued_before_the_upgrade_are_encrypted_and_back(settings):
    settings.RAPPORT_ENCRYPTION_KEY = KEY_A
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    invitation = "Choose your name here:\n\nhttps://help.example/invitations/s3cr3t\n"
    rows = {
        body: Delivery.objects.create(
            kind=DeliveryKind.NOTIFICATION,
            next_attempt_at=timezone.now(),
            payload={"to": "nina@shop.example", "subject": "Invited", "body": body},
        ).pk
        for body in (invitation, "Ada mentioned you in #12")
    }

    MigrationExecutor(connection).migrate(AFTER)

    moved = Delivery.objects.get(pk=rows[invitation]).payload
    assert "s3cr3t" not in json.dumps(moved)
    assert encryption.decrypt(moved["encrypted_body"]) == invitation
    mention = Delivery.objects.get(pk=rows["Ada mentioned you in #12"]).payload
    assert mention["body"] == "Ada mentioned you in #12"  # no link, left as it was

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert Delivery.objects.get(pk=rows[invitation]).payload["body"] == invitation
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
