"""Jobs of the webhook channels: process a stored request after its answer, pick up
what an outage left pending (``inboxes/inbound.py``), and delete old processed requests."""

from __future__ import annotations

import logging
import queue
import threading
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

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


@db_periodic_task(crontab(minute="17"))
def delete_old_webhooks_task() -> None:
    delete_old_webhooks()


def delete_old_webhooks(batch: int = 1000) -> int:
    """Delete the stored requests processed more than ``RAPPORT_WEBHOOK_RETENTION_DAYS``
    ago, ``batch`` rows per statement so no long lock is held; how many went.

    Only processed rows: a pending one still waits for its job, and a quarantined one
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
    """Process a stored request by a job after the commit; with the queue away (Redis
    down) here instead. The bytes are stored either way: a failure leaves the row pending.

    In a server the job is queued by a thread of its own (``_handoff``), so the request
    that stored the row answers without waiting for the queue (a round trip to Redis, a
    write to SQLite's queue file). Should the process die in between, the row is still
    pending and the minute's sweep processes it.
    """
    if HUEY.immediate:  # tests, RAPPORT_JOBS_IMMEDIATE: the job runs now, in the request
        transaction.on_commit(lambda: _send(raw_id))
    else:
        transaction.on_commit(lambda: _handoff.put(raw_id))


def _send(raw_id: int) -> None:
    try:
        process_webhook_task(raw_id)
    except Exception:  # the queue is away
        logger.warning("could not queue webhook request %s; processing it here", raw_id)
        try:
            process(raw_id)
        except Exception:
            logger.warning("webhook request %s left pending", raw_id, exc_info=True)


class _Handoff:
    """Queues jobs for the request threads, one after the other, on its own thread."""

    def __init__(self) -> None:
        self._ids: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, raw_id: int) -> None:
        self._ids.put(raw_id)
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="webhook-handoff", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            _send(self._ids.get())


_handoff = _Handoff()
