"""The durable outbox: everything that leaves Rapport is a ``Delivery`` row first.

Flow: an action writes the row in its transaction and, on commit, enqueues ``deliver``.
``deliver`` claims the row (a conditional UPDATE, so two workers never send the same row
at once), sends it outside any transaction, and records the outcome. A temporary failure
schedules the next attempt with exponential backoff; a permanent one, or running out of
attempts, marks it failed and shows that on the message. ``sweep`` re-enqueues rows whose
job was lost (crash, restart, queue flushed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from rapport.conversations.events import DeliveryFailed
from rapport.conversations.models import (
    Delivery,
    DeliveryKind,
    DeliveryState,
    DeliveryStatus,
    Message,
)
from rapport.conversations.staff_mail import send_notification
from rapport.conversations.webhooks import post_signed
from rapport.core.events import publish
from rapport.core.jobs import enqueue_after_commit
from rapport.inboxes.adapters import DeliveryError, adapter_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
CLAIM_FOR = timedelta(minutes=5)
SWEEP_GRACE = timedelta(seconds=60)  # give the scheduled job its chance before the sweep


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … capped at an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def queue(**fields: object) -> Delivery:
    """Write a delivery row and enqueue its job once the surrounding transaction commits."""
    delivery = Delivery.objects.create(next_attempt_at=timezone.now(), **fields)
    enqueue_after_commit(lambda: enqueue(delivery.pk), what=f"delivery {delivery.pk}")
    return delivery


def enqueue(delivery_id: int, eta: datetime | None = None) -> None:
    if eta is None:
        deliver_task(delivery_id)
    else:
        deliver_task.schedule((delivery_id,), eta=eta)


def claim(delivery_id: int, now: datetime) -> Delivery | None:
    due = Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_until__lt=now
    )
    claimed = Delivery.objects.filter(due, pk=delivery_id).update(
        state=DeliveryState.SENDING, claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1
    )
    if not claimed:
        return None  # already sent, failed, not due yet, or another worker has it
    return Delivery.objects.select_related("inbox", "message").get(pk=delivery_id)


def deliver(delivery_id: int) -> None:
    """Send one delivery if it is due. Safe to call any number of times."""
    delivery = claim(delivery_id, timezone.now())
    if delivery is None:
        return
    try:
        external_id = send(delivery)
    except DeliveryError as error:
        record_failure(delivery, str(error), permanent=error.permanent)
    except Exception as error:  # an unexpected bug must not leave the row claimed forever
        logger.exception("delivery %s crashed", delivery.pk)
        record_failure(delivery, f"internal error: {type(error).__name__}", permanent=False)
    else:
        record_success(delivery, external_id)


def send(delivery: Delivery) -> str:
    if delivery.kind == DeliveryKind.REPLY:
        if delivery.inbox is None or delivery.message is None:
            raise DeliveryError("a reply delivery needs its inbox and message", permanent=True)
        return adapter_for(delivery.inbox.kind).send(delivery, delivery.message)
    if delivery.kind == DeliveryKind.NOTIFICATION:
        return send_notification(delivery)
    if delivery.kind == DeliveryKind.WEBHOOK:
        return post_signed(delivery)
    raise DeliveryError(f"unknown delivery kind {delivery.kind!r}", permanent=True)


def record_success(delivery: Delivery, external_id: str) -> None:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SENT,
            sent_at=timezone.now(),
            claimed_until=None,
            external_id=external_id[:255],
            last_error="",
        )
        if delivery.message_id:
            Message.objects.filter(pk=delivery.message_id).update(
                delivery_status=DeliveryStatus.SENT, delivery_error=""
            )


def record_failure(delivery: Delivery, error: str, *, permanent: bool) -> None:
    final = permanent or delivery.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        next_at = timezone.now() + backoff(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED if final else DeliveryState.QUEUED,
            next_attempt_at=next_at,
            claimed_until=None,
            last_error=error[:2000],
        )
        if delivery.message_id:
            Message.objects.filter(pk=delivery.message_id).update(
                delivery_status=DeliveryStatus.FAILED if final else DeliveryStatus.QUEUED,
                delivery_error=error[:2000],
            )
        if final:
            publish(DeliveryFailed(delivery_id=delivery.pk, message_id=delivery.message_id))
        else:
            enqueue_after_commit(
                lambda: enqueue(delivery.pk, eta=next_at), what=f"delivery {delivery.pk}"
            )
    logger.warning(
        "delivery %s failed (%s): %s", delivery.pk, "final" if final else "will retry", error
    )


def retry(delivery: Delivery) -> None:
    """An agent asked to try a failed delivery again: give it a fresh set of attempts."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
            state=DeliveryState.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        if delivery.message_id:
            Message.objects.filter(pk=delivery.message_id).update(
                delivery_status=DeliveryStatus.QUEUED
            )
        enqueue_after_commit(lambda: enqueue(delivery.pk), what=f"delivery {delivery.pk}")


def fail_after_bounce(*, message_id: int, reason: str) -> None:
    """A sent reply came back (a bounce report): its deliveries and the message are marked
    failed, with ``reason`` shown on the message, and ``delivery.failed`` is published."""
    reason = reason[:2000]
    with transaction.atomic():
        Message.objects.filter(pk=message_id).update(
            delivery_status=DeliveryStatus.FAILED, delivery_error=reason
        )
        delivery_ids = list(
            Delivery.objects.filter(message_id=message_id).values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=delivery_ids).update(
            state=DeliveryState.FAILED, last_error=reason
        )
        for delivery_id in delivery_ids:
            publish(DeliveryFailed(delivery_id=delivery_id, message_id=message_id))


def sweep(now: datetime | None = None) -> int:
    """Re-enqueue deliveries whose job was lost; return how many."""
    now = now or timezone.now()
    lost = Delivery.objects.filter(
        Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
        | Q(state=DeliveryState.SENDING, claimed_until__lt=now)
    ).values_list("pk", flat=True)[:1000]
    ids = list(lost)
    for delivery_id in ids:
        enqueue(delivery_id)
    return len(ids)


# The outbox's jobs live here, beside what they call: ``enqueue`` needs ``deliver_task``,
# and a jobs module that imported the outbox back was a cycle (tasks.py registers them).


@db_task()
def deliver_task(delivery_id: int) -> None:
    deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox_task() -> None:
    sweep()
