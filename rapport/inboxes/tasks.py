"""Jobs of the webhook channels: process a stored request after its answer, and pick up
what an outage left pending (``inboxes/inbound.py``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from rapport.inboxes.models import RawWebhook, WebhookState
from rapport.inboxes.webhooks import process

logger = logging.getLogger(__name__)

STALE = timedelta(minutes=2)  # a pending row older than this lost its job


@db_task()
def process_webhook_task(raw_id: int) -> None:
    process(raw_id)


@db_periodic_task(crontab(minute="*"))
def process_pending_webhooks_task() -> None:
    before = timezone.now() - STALE
    pending = RawWebhook.objects.filter(state=WebhookState.PENDING, received_at__lt=before)
    for raw_id in pending.values_list("pk", flat=True)[:500]:
        process(raw_id)


def enqueue_processing(raw_id: int) -> None:
    """Process a stored request by a job after the commit; with the queue away (Redis
    down) here instead. The bytes are stored either way: a failure leaves the row pending."""

    def send() -> None:
        try:
            process_webhook_task(raw_id)
        except Exception:  # the queue is away
            logger.warning("could not queue webhook request %s; processing it here", raw_id)
            try:
                process(raw_id)
            except Exception:
                logger.warning("webhook request %s left pending", raw_id, exc_info=True)

    transaction.on_commit(send)
