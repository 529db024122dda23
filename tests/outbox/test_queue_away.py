"""The job queue away (Redis down) when a delivery is queued: the reply is kept, not a 500.

The committed ``Delivery`` row is the truth; a failed enqueue leaves it for the sweeper,
which sends it once the queue is back. Nothing is lost and nothing is sent twice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from rapport.conversations import actions
from rapport.conversations.models import DeliveryStatus
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryState
from tests.outbox.test_webhooks import api_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reply_whose_job_cannot_be_enqueued_is_kept_for_the_sweeper(
    api_inbox, agent, webhook_receiver, monkeypatch, caplog
):
    api_inbox.config["webhook_url"] = webhook_receiver.url
    api_inbox.save()
    conversation = api_conversation(api_inbox)

    def queue_away(delivery_id: int, eta: object = None) -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    with monkeypatch.context() as away:
        away.setattr(outbox, "enqueue", queue_away)
        reply = actions.send_reply(conversation=conversation, author=agent, text="On its way")

    delivery = Delivery.objects.get(message=reply)
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 0)
    assert f"could not enqueue delivery {delivery.pk}, left for the sweeper" in caplog.text
    assert webhook_receiver.requests == []

    # The queue is back; the sweep finds the row once its grace has passed, and sends it.
    later = timezone.now() + outbox.SWEEP_GRACE + timedelta(seconds=1)
    assert outbox.sweep(now=later) == 1
    assert outbox.sweep(now=later) == 0  # sent: not swept again
    assert len(webhook_receiver.requests) == 1
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
