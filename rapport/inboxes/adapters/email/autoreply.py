"""The automatic acknowledgement of a new conversation, with the guards against mail loops.

It never quotes the customer's mail, not even its subject (``outbound.ACK_SUBJECT``), so
a spoofed mail cannot make us relay its content ("ticket trick"); it goes only to people
(no auto-replies, lists, bulk, no-reply or bouncing senders) whose address is proven:
DMARC pass as judged by a trusted mail server (``authserv_ids``), or an address or
domain on the inbox's ``acknowledge_senders`` list; and at most ``automatic_cap`` times
per conversation and per sender in 24 hours.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.conversations.actions import send_automatic_reply
from rapport.conversations.models import Conversation, Direction, Message
from rapport.inboxes.adapters.email.bounces import is_bouncing
from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.adapters.email.models import EmailDetails

WINDOW = timedelta(hours=24)


def may_acknowledge(config: EmailInboxConfig, inbound: EmailDetails) -> bool:
    """Is this inbound mail one a person wrote and may be answered automatically?"""
    machine_or_untrusted = [f for f in inbound.flags if not f.startswith("attachment-")]
    if not config.auto_acknowledge or machine_or_untrusted:
        return False
    if inbound.from_address in config.addresses:  # our own address: a loop in the making
        return False
    if not is_proven(config, inbound):
        return False
    return not is_bouncing(inbound.from_address)


def is_proven(config: EmailInboxConfig, inbound: EmailDetails) -> bool:
    """Did a trusted server see DMARC pass, or is the sender on the inbox's list?"""
    if inbound.dmarc == "pass" and config.authserv_ids:
        return True
    address = inbound.from_address.lower()
    domain = address.rpartition("@")[2]
    allowed = {entry.lstrip("@") for entry in config.acknowledge_senders}
    return address in allowed or domain in allowed


def under_cap(conversation: Conversation, cap: int) -> bool:
    """Fewer than ``cap`` automatic mails to this conversation and this customer in 24 h."""
    since = timezone.now() - WINDOW
    automatic = EmailDetails.objects.filter(
        is_automatic=True, message__direction=Direction.OUTBOUND, message__created_at__gte=since
    )
    if automatic.filter(message__conversation=conversation).count() >= cap:
        return False
    customer = automatic.filter(message__conversation__customer_id=conversation.customer_id)
    return customer.count() < cap


def maybe_acknowledge(
    conversation: Conversation, *, config: EmailInboxConfig, inbound: EmailDetails
) -> Message | None:
    """Queue the acknowledgement if every guard allows it (call inside the transaction)."""
    if not may_acknowledge(config, inbound):
        return None
    if not under_cap(conversation, config.automatic_cap):
        return None
    text = config.auto_acknowledge_text.replace("{number}", str(conversation.pk))
    message = send_automatic_reply(conversation=conversation, text=text)
    # Written before the delivery runs: it is queued to start after this transaction.
    EmailDetails.objects.create(
        message=message,
        inbox_id_copy=conversation.inbox_id,
        to=[inbound.from_address],
        is_automatic=True,
        flags=["auto-acknowledgement"],
    )
    return message
