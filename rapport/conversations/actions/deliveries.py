"""What a delivery's outcome means for its message: the conversations side of the outbox.

The outbox tells (``rapport.outbox.changes``); this mirrors the outcome on the message —
its status and the words shown under it — and publishes ``delivery.failed`` after commit
when a person has to act (not delivered, or it may have been sent).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from rapport.conversations.events import DeliveryFailed
from rapport.conversations.models import DeliveryStatus, Message
from rapport.core.events import publish
from rapport.outbox.changes import DeliveryChange
from rapport.outbox.models import DeliveryState

STATUS_OF = {
    DeliveryState.QUEUED: DeliveryStatus.QUEUED,
    DeliveryState.SENDING: DeliveryStatus.QUEUED,
    DeliveryState.SENT: DeliveryStatus.SENT,
    DeliveryState.FAILED: DeliveryStatus.FAILED,
    DeliveryState.UNKNOWN: DeliveryStatus.UNKNOWN,
}


def delivery_changed(change: DeliveryChange) -> None:
    """Listener: runs inside the outbox's transaction, so row and message change together."""
    if change.message_id is None:
        return
    status = STATUS_OF[DeliveryState(change.state)]
    Message.objects.filter(pk=change.message_id).update(
        delivery_status=status, delivery_error=_words(change)
    )
    if status in (DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN):
        publish(DeliveryFailed(delivery_id=change.delivery_id, message_id=change.message_id))


def _words(change: DeliveryChange) -> str:
    """What shows under the message: why it is not delivered yet, or how it was."""
    if change.state == DeliveryState.SENT:
        return change.note
    if not change.error or change.next_attempt_at is None:
        return change.error
    return f"{change.error} — retrying {retry_in(change.next_attempt_at)}"


def retry_in(when: datetime) -> str:
    """ "in 30 s", "in 5 min", "in 1 h": how long until the next attempt."""
    seconds = max(round((when - timezone.now()).total_seconds()), 0)
    if seconds < 90:
        return f"in {max(seconds, 1)} s"
    if seconds < 90 * 60:
        return f"in {round(seconds / 60)} min"
    return f"in {round(seconds / 3600)} h"
