"""Automatic mails to a sender — the acknowledgement of a new conversation and the notice
that parts of a mail were left out — with the guards against mail loops.

They never quote the customer's mail, not even its subject (``outbound.ACK_SUBJECT``), so
a spoofed or machine mail cannot make us relay its content ("ticket trick"); they go only
to people (no auto-replies, lists, bulk, no-reply or bouncing senders, no guessed sender
address) whose address is proven: DMARC pass as judged by a trusted mail server
(``authserv_ids``), or an address or domain on the inbox's ``acknowledge_senders`` list;
and at most ``automatic_cap`` times per conversation and per sender in 24 hours.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.conversations.actions import send_automatic_reply
from rapport.conversations.models import Conversation, Direction, Message
from rapport.inboxes.adapters.email.bounces import is_bouncing
from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.oversize import LeftOut

WINDOW = timedelta(hours=24)
LEFT_OUT_TEXT = """Hello,

Your mail "{subject}" reached us, but not all of it:

{files}

We have your message and will answer it. Please send what was left out another way, for
example as a download link."""


def may_acknowledge(config: EmailInboxConfig, inbound: EmailDetails) -> bool:
    """Is this inbound mail one a person wrote and may be answered automatically?"""
    return config.auto_acknowledge and may_answer_automatically(config, inbound)


def may_answer_automatically(config: EmailInboxConfig, inbound: EmailDetails) -> bool:
    """Did a person write this mail, from an address that is safe to answer?"""
    machine_or_untrusted = [f for f in inbound.flags if not f.startswith("attachment-")]
    if machine_or_untrusted:
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
    return _send_automatic(conversation, inbound, text, "auto-acknowledgement")


def maybe_tell_left_out(
    conversation: Conversation,
    *,
    config: EmailInboxConfig,
    inbound: EmailDetails,
    files: list[LeftOut],
) -> Message | None:
    """Tell the sender which parts of their mail did not reach us (too large), under the
    acknowledgement's guards — also when acknowledgements are off: without it the sender
    believes the file arrived."""
    if not may_answer_automatically(config, inbound):
        return None
    if not under_cap(conversation, config.automatic_cap):
        return None
    listed = "\n".join(f"- {item.note}" for item in files[:20])
    text = LEFT_OUT_TEXT.format(subject=inbound.subject or "(no subject)", files=listed)
    return _send_automatic(conversation, inbound, text, "left-out-notice")


def _send_automatic(
    conversation: Conversation, inbound: EmailDetails, text: str, flag: str
) -> Message:
    message = send_automatic_reply(conversation=conversation, text=text)
    # Written before the delivery runs: it is queued to start after this transaction.
    EmailDetails.objects.create(
        message=message,
        inbox_id_copy=conversation.inbox_id,
        to=[inbound.from_address],
        is_automatic=True,
        flags=[flag],
    )
    return message
