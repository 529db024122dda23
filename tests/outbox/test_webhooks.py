"""API-channel replies leave as signed webhooks through the outbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import DeliveryStatus
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryState
from rapport.outbox.webhooks import signature, verify

pytestmark = pytest.mark.django_db(transaction=True)


def api_conversation(inbox):
    received = actions.receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender("api", f"{inbox.pk}:user-42", "App User"),
            text="Hi from the app",
            external_id="evt-1",
        ),
    )
    return received.message.conversation


def test_reply_is_posted_signed_to_the_inbox_webhook(api_inbox, agent, webhook_receiver):
    api_inbox.config["webhook_url"] = webhook_receiver.url
    api_inbox.save()
    conversation = api_conversation(api_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello from support")

    [(headers, body)] = webhook_receiver.requests
    assert verify("s3cret", body, headers["X-Rapport-Signature"])
    assert not verify("wrong", body, headers["X-Rapport-Signature"])
    assert headers["X-Rapport-Delivery"] == str(reply.deliveries.get().pk)
    payload = json.loads(body)
    assert payload["event"] == "message.outbound"
    assert payload["message"]["text"] == "Hello from support"
    assert payload["customer"]["identities"] == [
        {"kind": "api", "address": f"{api_inbox.pk}:user-42"}
    ]
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_webhook_5xx_is_retried_with_the_same_delivery_id(api_inbox, agent, webhook_receiver):
    api_inbox.config["webhook_url"] = webhook_receiver.url
    api_inbox.save()
    webhook_receiver.answer = 503
    conversation = api_conversation(api_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    assert delivery.state == DeliveryState.QUEUED

    webhook_receiver.answer = 200
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    outbox.sweep()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    ids = {headers["X-Rapport-Delivery"] for headers, _ in webhook_receiver.requests}
    assert ids == {str(delivery.pk)}
    assert len(webhook_receiver.requests) == 2


def test_webhook_4xx_fails_at_once(api_inbox, agent, webhook_receiver):
    api_inbox.config["webhook_url"] = webhook_receiver.url
    api_inbox.save()
    webhook_receiver.answer = 410
    reply = actions.send_reply(conversation=api_conversation(api_inbox), author=agent, text="Hello")
    delivery = reply.deliveries.get()
    assert (delivery.state, delivery.last_error) == (
        DeliveryState.FAILED,
        "webhook answered HTTP 410",
    )


def test_signature_rejects_stale_timestamps():
    body = b'{"a":1}'
    old = signature("k", body, 1_000_000)
    assert not verify("k", body, old)
    assert not verify("k", body, "garbage")
