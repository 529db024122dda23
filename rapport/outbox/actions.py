"""Queue, claim, deliver, record, retry and sweep: the only writers of ``Delivery`` rows.

Flow: an action writes the row in its transaction and, on commit, enqueues ``deliver``.
``deliver`` claims the row (a conditional UPDATE, so two workers never send the same row
at once), sends it outside any transaction, and records the outcome in one step. A
temporary failure schedules the next attempt with exponential backoff; a permanent one, or
running out of attempts, marks it failed. ``sweep`` re-enqueues rows whose job was lost
(crash, restart, queue flushed).

Exactly once: each claim is numbered (``attempts``) and every later write of that attempt
is conditional on it, so a worker that lost its claim cannot overwrite the next one. A
sender marks ``handing_over`` just before its point of no return; a claim that expired
after that mark (the worker was killed, or hangs) is resent only when the channel
recognises repeats, else it becomes "unknown" for a person to check.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from rapport.core import encryption
from rapport.core.jobs import enqueue_after_commit
from rapport.outbox.changes import DeliveryChange, tell
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery, DeliveryState
from rapport.outbox.senders import Handed, sender_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
CLAIM_FOR = timedelta(minutes=5)
SWEEP_GRACE = timedelta(seconds=60)  # give the scheduled job its chance before the sweep
UNKNOWN_WORDS = (
    "The connection broke after the message was handed over, so it may have been sent. "
    "Check with the recipient before sending it again."
)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … capped at an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def queue(**fields: object) -> Delivery:
    """Write a delivery row and enqueue its job once the surrounding transaction commits.

    The row is the truth: if the enqueue is lost, ``sweep`` finds the row and sends it.
    """
    delivery = Delivery.objects.create(next_attempt_at=timezone.now(), **fields)
    enqueue_after_commit(lambda: enqueue(delivery.pk), what=f"delivery {delivery.pk}")
    return delivery


def enqueue(delivery_id: int, eta: datetime | None = None) -> None:
    if eta is None:
        deliver_task(delivery_id)
    else:
        deliver_task.schedule((delivery_id,), eta=eta)


def _claimable(now: datetime) -> Q:
    # An expired claim is taken over only when its sender never reached the point of no
    # return; the others are settled by ``sweep`` (resent or "unknown").
    return Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, claimed_until__lt=now, handover_started_at=None
    )


def claim(delivery_id: int, now: datetime) -> Delivery | None:
    claimed = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
        state=DeliveryState.SENDING,
        claimed_until=now + CLAIM_FOR,
        handover_started_at=None,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None  # already sent, failed, not due yet, or another worker has it
    return Delivery.objects.select_related("inbox").get(pk=delivery_id)


def _ours(delivery: Delivery, *states: str) -> Q:
    """This attempt's row, unless another worker has claimed it since."""
    return Q(pk=delivery.pk, attempts=delivery.attempts, state__in=states)


def handing_over(delivery: Delivery, *, key: str = "") -> None:
    """Called by a sender right before its point of no return (and with its repeat key).

    Raises ``DeliveryError`` if this attempt lost its claim: another worker owns it now.
    """
    fields: dict[str, object] = {"handover_started_at": timezone.now()}
    if key:
        fields["idempotency_key"] = key[:255]
    if not Delivery.objects.filter(_ours(delivery, DeliveryState.SENDING)).update(**fields):
        raise DeliveryError("this attempt lost its claim; another one is under way")


def deliver(delivery_id: int) -> None:
    """Send one delivery if it is due. Safe to call any number of times."""
    delivery = claim(delivery_id, timezone.now())
    if delivery is None:
        return
    try:
        handed = sender_for(delivery).send(delivery)
    except DeliveryError as error:
        record_failure(delivery, error)
    except Exception as error:  # an unexpected bug must not leave the row claimed forever
        logger.exception("delivery %s crashed", delivery.pk)
        record_failure(delivery, DeliveryError(f"internal error: {type(error).__name__}"))
    else:
        record_success(delivery, handed if isinstance(handed, Handed) else Handed(handed))


def record_success(delivery: Delivery, handed: Handed) -> None:
    """Handed over: recorded in the step that learns it, even over a settled "unknown"."""
    with transaction.atomic():
        updated = Delivery.objects.filter(
            _ours(delivery, DeliveryState.SENDING, DeliveryState.UNKNOWN)
        ).update(
            state=DeliveryState.SENT,
            sent_at=timezone.now(),
            claimed_until=None,
            external_id=handed.external_id[:255],
            last_error="",
        )
        if updated:
            sent = DeliveryState.SENT
            tell(DeliveryChange(delivery.pk, delivery.message_id, sent, note=handed.note))
    if not updated:
        logger.warning("delivery %s sent by an attempt that had lost its claim", delivery.pk)


def record_failure(delivery: Delivery, error: DeliveryError) -> None:
    if error.ambiguous:
        state = DeliveryState.UNKNOWN
    elif error.permanent or delivery.attempts >= MAX_ATTEMPTS:
        state = DeliveryState.FAILED
    else:
        state = DeliveryState.QUEUED
    wait = backoff(delivery.attempts)
    if error.retry_after is not None:
        wait = max(wait, error.retry_after)
    next_at = timezone.now() + wait
    words = str(error)[:2000]
    with transaction.atomic():
        updated = Delivery.objects.filter(_ours(delivery, DeliveryState.SENDING)).update(
            state=state, next_attempt_at=next_at, claimed_until=None, last_error=words
        )
        if not updated:
            return  # another attempt owns the row now; its outcome is the one that counts
        retry_at = next_at if state == DeliveryState.QUEUED else None
        tell(
            DeliveryChange(
                delivery.pk, delivery.message_id, state, error=words, next_attempt_at=retry_at
            )
        )
        if retry_at is not None:
            enqueue_after_commit(
                lambda: enqueue(delivery.pk, eta=next_at), what=f"delivery {delivery.pk}"
            )
    logger.warning("delivery %s %s: %s", delivery.pk, state, words)


def retry(delivery: Delivery) -> None:
    """A person asked to try a failed (or "unknown") delivery again: fresh attempts."""
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk, state__in=[DeliveryState.FAILED, DeliveryState.UNKNOWN]
        ).update(
            state=DeliveryState.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            handover_started_at=None,
        )
        if updated:
            tell(DeliveryChange(delivery.pk, delivery.message_id, DeliveryState.QUEUED))
            enqueue_after_commit(lambda: enqueue(delivery.pk), what=f"delivery {delivery.pk}")


def fail_after_bounce(*, message_id: int, reason: str) -> None:
    """A sent reply came back (a bounce report): each of its deliveries becomes failed,
    with ``reason``, and the listeners are told (the message shows it, ``delivery.failed``)."""
    reason = reason[:2000]
    with transaction.atomic():
        rows = Delivery.objects.filter(message_id=message_id)
        delivery_ids = list(rows.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=delivery_ids).update(
            state=DeliveryState.FAILED, last_error=reason, claimed_until=None
        )
        for delivery_id in delivery_ids:
            tell(DeliveryChange(delivery_id, message_id, DeliveryState.FAILED, error=reason))


def sweep(now: datetime | None = None) -> int:
    """Settle rows a crash left behind and re-enqueue those whose job was lost; how many."""
    now = now or timezone.now()
    settle_expired_handovers(now)
    lost = Delivery.objects.filter(
        Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
        | Q(state=DeliveryState.SENDING, claimed_until__lt=now, handover_started_at=None)
    ).values_list("pk", flat=True)[:1000]
    ids = list(lost)
    for delivery_id in ids:
        enqueue(delivery_id)
    return len(ids)


def settle_expired_handovers(now: datetime) -> None:
    """Claims that expired after the point of no return: resend if safe, else "unknown"."""
    expired = Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_until__lt=now, handover_started_at__isnull=False
    ).select_related("inbox")[:1000]
    for delivery in expired:
        try:
            repeat_safe = sender_for(delivery).repeat_safe
        except DeliveryError:
            repeat_safe = False
        if repeat_safe:
            _requeue_expired(delivery)
        else:
            record_failure(delivery, DeliveryError(UNKNOWN_WORDS, ambiguous=True))


def _requeue_expired(delivery: Delivery) -> None:
    Delivery.objects.filter(_ours(delivery, DeliveryState.SENDING)).update(
        state=DeliveryState.QUEUED, next_attempt_at=timezone.now(), claimed_until=None
    )
    enqueue_after_commit(lambda: enqueue(delivery.pk), what=f"delivery {delivery.pk}")


# The jobs live here, beside what they call: ``enqueue`` needs ``deliver_task``, and a jobs
# module importing this one back would be a cycle (``tasks.py`` lists them for Huey).


def reencrypt_payload_field(*, kind: str, field: str) -> tuple[int, int]:
    """``rapport reencrypt``: the encrypted ``field`` of ``kind`` payloads (an invitation
    mail's text) under the current key. Returns (rewritten, unreadable); unreadable ones
    are left as they are, and fail with words when sent."""
    rewritten = unreadable = 0
    rows = Delivery.objects.filter(kind=kind, payload__has_key=field)
    for pk, payload in rows.values_list("pk", "payload"):
        if encryption.decrypts_with_current_key(payload[field]):
            continue
        try:
            fresh = {**payload, field: encryption.reencrypt(payload[field])}
        except encryption.Undecryptable:
            unreadable += 1
            continue
        # Senders only read a payload, so nothing else writes it meanwhile.
        rewritten += Delivery.objects.filter(pk=pk).update(payload=fresh)
    return rewritten, unreadable


@db_task()
def deliver_task(delivery_id: int) -> None:
    deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox_task() -> None:
    sweep()
