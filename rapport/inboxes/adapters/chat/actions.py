"""Every write the chat channel makes. The widget's endpoints and sockets call these.

Messages go through ``conversations.actions.receive_message`` like every other channel;
this module adds what only chat has: visitor sessions, identity verification, the
pre-chat contact details, abuse limits and read marks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from rapport.conversations.actions import Received, receive_message
from rapport.conversations.actions.deliveries import record_provider_status
from rapport.conversations.inbound import ContinueLatest, InboundMessage, Sender
from rapport.conversations.lookups import latest_unresolved
from rapport.conversations.models import Conversation, Direction, Message
from rapport.core.errors import ValidationFailed
from rapport.core.events import publish
from rapport.core.inbound import clean_text
from rapport.customers.actions import find_or_create_customer, set_contact_details
from rapport.customers.identities import normalize_email
from rapport.customers.models import Customer
from rapport.inboxes.adapters.chat import limits, selectors
from rapport.inboxes.adapters.chat.adapter import LEFT_NO_EMAIL
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.events import ReceiptChanged
from rapport.inboxes.adapters.chat.models import ChatReceipt
from rapport.inboxes.adapters.chat.tokens import (
    Visitor,
    anonymous_visitor,
    issue_token,
    verified_visitor,
)
from rapport.inboxes.channels import StatusUpdate
from rapport.inboxes.models import Inbox, InboxKind

MAX_CLIENT_ID = 64


@dataclass(frozen=True)
class Session:
    token: str
    visitor: Visitor


def start_session(*, inbox: Inbox, ip: str, user_id: str = "", user_hash: str = "") -> Session:
    """A new visitor token: anonymous, or a verified site user when the hash matches.

    A wrong hash is refused outright rather than falling back to anonymous, so a site with
    a broken integration notices instead of silently splitting its customers.
    """
    limits.check_new_session(ip=ip)
    if user_id or user_hash:
        secret = chat_settings(inbox).identity_secret
        visitor = verified_visitor(
            inbox_id=inbox.pk, secret=secret, user_id=user_id, given_hash=user_hash
        )
    else:
        visitor = anonymous_visitor(inbox.pk)
    return Session(token=issue_token(visitor), visitor=visitor)


def _visitor_key(visitor: Visitor) -> str:
    return hashlib.sha256(f"{visitor.kind}:{visitor.address}".encode()).hexdigest()[:24]


def _external_id(visitor: Visitor, client_id: str) -> str:
    """The widget names each message; a retried send then stores it only once."""
    client_id = client_id.strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID or not client_id.isprintable():
        raise ValidationFailed(f"client_id must be 1 to {MAX_CLIENT_ID} printable characters")
    return f"chat:{_visitor_key(visitor)}:{client_id}"


def _check_text(text: str, has_files: bool) -> str:
    # The socket's frames reach here unchecked: the one check of every inbound path first.
    text = clean_text(text, field="the message", limit=limits.MAX_MESSAGE_CHARS * 2).strip()
    if len(text) > limits.MAX_MESSAGE_CHARS:
        raise ValidationFailed(f"please keep a message under {limits.MAX_MESSAGE_CHARS} characters")
    if not text and not has_files:
        raise ValidationFailed("the message is empty")
    return text


def post_message(
    *,
    inbox: Inbox,
    visitor: Visitor,
    text: str,
    client_id: str,
    ip: str,
    page_url: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> Received:
    """Store what the visitor wrote (rate-limited), continuing their open conversation."""
    text = _check_text(text, bool(attachments))
    external_id = _external_id(visitor, clean_text(client_id, field="client_id", limit=100))
    page_url = clean_text(page_url, field="page", limit=2000)
    key = _visitor_key(visitor)
    config = chat_settings(inbox)
    # Read once here (compiled once, lookups.py): it decides the new-conversation limit,
    # and receive_message continues it without reading it again.
    conversation = latest_unresolved(inbox.pk, visitor.kind, visitor.address)
    limits.check_message(
        visitor_key=key,
        ip=ip,
        per_ip_minute=config.messages_per_ip_minute,
        new_conversation=conversation is None,
        per_ip_hour=config.conversations_per_ip_hour,
    )
    names = ", ".join(a.name or "file" for a in attachments)
    return receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender(visitor.kind, visitor.address),
            text=text or f"📎 {names}",
            subject=(text or names)[:80],
            external_id=external_id,
            attachments=attachments,
            thread=ContinueLatest(seen=conversation),
            raw={"source": "chat", "ip": ip, "page": page_url[:500], "verified": visitor.verified},
        ),
    )


def set_contact(*, visitor: Visitor, name: str = "", email: str = "") -> Customer:
    """The pre-chat form or the offline form: who the visitor says they are.

    The e-mail address is where replies go when the visitor has left. It is *not* an
    identity: it never joins this visitor to the customer who owns that address (only a
    verified hash does), so typing someone else's address reveals nothing of theirs.
    """
    email, name = (
        clean_text(email, field="email", limit=254),
        clean_text(name, field="name", limit=200),
    )
    email = normalize_email(email) if email.strip() else ""
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    with transaction.atomic():
        customer = find_or_create_customer(kind=visitor.kind, address=visitor.address, name=name)
        # A verified customer's profile is the business's; an anonymous one is the visitor's.
        set_contact_details(
            customer=customer, name=name, email=email, overwrite=not visitor.verified
        )
    return customer


def _advance(conversation: Conversation, **watermarks: int) -> None:
    ChatReceipt.objects.get_or_create(conversation=conversation)
    updates = {field: Greatest(F(field), value) for field, value in watermarks.items()}
    ChatReceipt.objects.filter(conversation=conversation).update(**updates)
    publish(ReceiptChanged(conversation_id=conversation.pk, inbox_id=conversation.inbox_id))


def mark_seen(*, visitor: Visitor, message_id: int, read: bool) -> None:
    """The widget received (and, with ``read``, showed) agent messages up to ``message_id``."""
    message = selectors.owns_message(visitor, message_id)
    if message is None:
        return  # not theirs, or gone: nothing to mark, and nothing to tell the caller
    marks = {"visitor_delivered_up_to": message_id}
    if read:
        marks["visitor_read_up_to"] = message_id
    with transaction.atomic():
        _advance(message.conversation, **marks)
    _seen_on_return(message.conversation, message_id, read=read)


def _seen_on_return(conversation: Conversation, up_to: int, *, read: bool) -> None:
    """Replies written while the visitor was away said "they see it when they come back";
    now they have, so those replies are delivered (or read) and the note goes."""
    waiting = Message.objects.filter(
        conversation=conversation,
        pk__lte=up_to,
        direction=Direction.OUTBOUND,
        delivery_error=LEFT_NO_EMAIL,
    ).values_list("pk", flat=True)
    status = "read" if read else "delivered"
    for message_id in waiting:
        update = StatusUpdate(external_id=f"chat:{message_id}", status=status)
        record_provider_status(inbox=conversation.inbox, update=update)


def mark_read_by_agent(*, conversation: Conversation, message_id: int) -> None:
    """An agent had the conversation on screen up to ``message_id`` (access checked by caller)."""
    if conversation.inbox.kind != InboxKind.CHAT:
        return
    with transaction.atomic():
        _advance(conversation, agent_read_up_to=message_id)
