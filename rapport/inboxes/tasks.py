"""Jobs of the webhook channels: process a stored request when jobs run immediately, and
delete old processed requests. In a server the stored requests are processed by the
workers' drainer threads (``inboxes/webhook_queue.py``), not by a job per request."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from rapport.inboxes import webhook_queue
from rapport.inboxes.models import RawWebhook, WebhookState
from rapport.inboxes.webhooks import process

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17"))
def delete_old_webhooks_task() -> None:
    delete_old_webhooks()


def delete_old_webhooks(batch: int = 1000) -> int:
    """Delete the stored requests processed more than ``RAPPORT_WEBHOOK_RETENTION_DAYS``
    ago, ``batch`` rows per statement so no long lock is held; how many went.

    Only processed rows: a pending one still waits for a worker, and a quarantined one
    stays on Settings → Quarantine until it is retried (then processed) or deleted there.
    A provider retrying a message after its row is gone is still one message: messages
    are unique on the provider's id, and statuses only move forward.
    """
    before = timezone.now() - timedelta(days=settings.RAPPORT_WEBHOOK_RETENTION_DAYS)
    old = RawWebhook.objects.filter(state=WebhookState.PROCESSED, processed_at__lt=before)
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        deleted += RawWebhook.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        logger.info("deleted %s processed webhook requests", deleted)
    return deleted


def enqueue_processing(raw_id: int) -> None:
    """Have a stored request processed once its row is committed.

    In a server this only wakes the drainers of this process (``rapport serve``); those
    of other processes are woken by the database (PostgreSQL's NOTIFY) or look every half
    second (SQLite). The row is the job: should this process die now, the request is
    still pending, and a worker processes it when one runs.

    When jobs run immediately (tests, ``RAPPORT_JOBS_IMMEDIATE``) it is processed here,
    after the commit; a failure leaves it pending rather than failing the answer.
    """
    if HUEY.immediate:
        transaction.on_commit(lambda: _process_now(raw_id))
    else:
        transaction.on_commit(webhook_queue.wake)


def _process_now(raw_id: int) -> None:
    try:
        process(raw_id)
    except Exception:
        logger.warning("webhook request %s left pending", raw_id, exc_info=True)
