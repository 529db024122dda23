"""The webhook benchmark's signed samples (bench/webhook_samples.py) fit the channels: every
registered webhook channel has one, and the real endpoint accepts and stores it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bench.webhook_samples import SAMPLES
from rapport.conversations.models import Message
from rapport.inboxes import channels
from rapport.inboxes.models import Inbox, RawWebhook

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_KINDS = [channel.kind for channel in channels.all_channels() if channel.takes_webhooks]


def test_every_webhook_channel_has_a_benchmark_sample():
    missing = set(WEBHOOK_KINDS) - set(SAMPLES)
    assert not missing, f"add a sample to bench/webhook_samples.py for {missing}"


@pytest.mark.parametrize("kind", sorted(set(WEBHOOK_KINDS) & set(SAMPLES)))
def test_the_sample_is_accepted_stored_and_received(kind, client, settings):
    for name in ("META_GRAPH_API_BASE", "TELEGRAM_API_BASE", "X_API_BASE"):
        setattr(settings, name, "http://127.0.0.1:9")  # a provider look-up fails at once
    sample = SAMPLES[kind]
    inbox = Inbox.objects.create(name=f"Bench {kind}", kind=kind, config=sample.config)
    path = reverse("channel_inbound", args=[kind, inbox.public_key])
    signed = sample.message(settings.SITE_URL + path, 7_000_001, "Where is my order?", "SMbench1")

    response = client.post(path, signed.body, signed.content_type, headers=signed.headers)

    assert response.status_code == 200, response.content
    assert RawWebhook.objects.filter(inbox=inbox).count() == 1
    # A call's message is in the call's words (a missed call), not the sample's text.
    expected = getattr(sample, "expects", "Where is my order?")
    assert Message.objects.get(conversation__inbox=inbox).text.startswith(expected)
