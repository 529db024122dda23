"""What a delivery's outcome means for its message: the conversations side of the outbox.

The outbox tells (``rapport.outbox.changes``); this mirrors the outcome on the message —
its status and the words shown under it — and publishes ``delivery.failed`` after commit
when a person has to act (not delivered, or it may have been sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from rapport.conversations.events import DeliveryFailed
from rapport.conversations.models import DeliveryStatus, Message
from rapport.core.events import publish
from rapport.outbox.actions import fail_after_bounce
from rapport.outbox.changes import DeliveryChange
from rapport.outbox.models import Delivery, DeliveryState

if TYPE_CHECKING:
    from rapport.inboxes.channels import StatusUpdate
    from rapport.inboxes.models import Inbox

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
    rows = Message.objects.filter(pk=change.message_id)
    if status in (DeliveryStatus.QUEUED, DeliveryStatus.SENT):
        # A provider's "delivered" may arrive before the hand-over is recorded: keep it.
        rows = rows.exclude(delivery_status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.READ])
    rows.update(delivery_status=status, delivery_error=_words(change))
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


# How far along a reply is; a provider's status only ever moves it forward, so callbacks
# arriving out of order (delivered before sent, sent after read) end in the right state.
# Failed ranks with delivered: a late "failed" does not undo "delivered", nor the reverse.
RANK = {
    DeliveryStatus.NONE: 0,
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.UNKNOWN: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.READ: 4,
}


def record_provider_status(*, inbox: Inbox, update: StatusUpdate) -> bool:
    """A provider's status callback for a reply it was given (found by the id its ``send``
    returned). False when no reply of the inbox has that id (yet: the callback may beat
    the recording of the hand-over)."""
    status = DeliveryStatus(update.status)
    message_id = (
        Delivery.objects.filter(inbox=inbox, kind="reply", external_id=update.external_id)
        .values_list("message_id", flat=True)
        .first()
    )
    if message_id is None:
        return False
    behind = [s for s, rank in RANK.items() if rank < RANK[status]]
    with transaction.atomic():
        rows = Message.objects.filter(pk=message_id, delivery_status__in=behind)
        if status == DeliveryStatus.FAILED:
            reason = update.error or "the provider could not deliver it"
            if rows.update(delivery_status=status, delivery_error=reason):
                fail_after_bounce(message_id=message_id, reason=reason)
        else:
            rows.update(delivery_status=status, delivery_error="")
    return True
