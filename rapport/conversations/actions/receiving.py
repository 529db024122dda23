"""Receiving a customer's message: find them by identity, continue or open a conversation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.conversations import counts
from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.actions.common import check_text, move_count, preview_of
from rapport.conversations.attachments import remember_attachments
from rapport.conversations.events import ConversationCreated, MessageReceived
from rapport.conversations.lookups import latest_unresolved
from rapport.conversations.models import (
    Conversation,
    Direction,
    Message,
    Status,
)
from rapport.core import rows
from rapport.core.errors import ValidationFailed
from rapport.core.events import publish
from rapport.customers.actions import find_or_create_customer
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool  # False when the same external id had already been received


def unresolved_conversations(*, identity_kind: str, address: str) -> QuerySet[Conversation]:
    """The unresolved conversations of the customer behind an identity, latest activity first.

    The first one in an inbox is the conversation a new message from them continues.
    """
    return (
        Conversation.objects.filter(
            customer__identities__kind=identity_kind, customer__identities__address=address
        )
        .exclude(status=Status.RESOLVED)
        .order_by("-last_activity_at")
    )


def receive_message(
    *,
    inbox: Inbox,
    identity_kind: str,
    address: str,
    text: str,
    html: str = "",
    subject: str = "",
    customer_name: str = "",
    external_id: str = "",
    raw: Any = None,
    attachments: Sequence[UploadedFile] = (),
    seen_conversation: Conversation | None = None,
    conversation: Conversation | None = None,
    open_new: bool = False,
) -> Received:
    """Store a message from a customer: find them by identity, continue or open a conversation.

    The message is continued into the customer's latest unresolved conversation in this
    inbox, else a new one opens. Receiving the same ``external_id`` twice is a no-op that
    returns the first message, even when two deliveries race.

    ``seen_conversation`` is that latest conversation as the caller already read it (with
    ``unresolved_conversations``); if it is still open, the message joins it without
    reading it again. The API channel reads it together with its permission check.

    A channel that threads by itself (e-mail: reply tokens, References) passes the
    ``conversation`` to continue (it reopens if resolved), or ``open_new=True`` to start
    a new conversation even though the customer has an unresolved one.
    """
    if conversation is not None and conversation.inbox_id != inbox.pk:
        raise ValidationFailed("the conversation belongs to another inbox")
    text = check_text(text)
    # No look-up of the external id first: the unique constraint on (inbox, external_id)
    # catches a repeat inside the transaction, which then rolls back. Repeats are rare, and
    # skipping the look-up saves one statement on every new message (the ingest budget).
    try:
        with transaction.atomic():
            message = _store_inbound(
                inbox=inbox,
                identity_kind=identity_kind,
                address=address,
                subject=subject,
                customer_name=customer_name,
                seen_conversation=seen_conversation,
                target=conversation,
                open_new=open_new,
                text=text,
                html=html,
                external_id=external_id,
                raw=raw,
                attachments=attachments,
            )
    except IntegrityError:
        # The same message was received before, or two deliveries of it raced.
        if not external_id:
            raise
        existing = (
            Message.objects.select_related("conversation")
            .filter(inbox=inbox, external_id=external_id)
            .first()
        )
        if existing is None:
            raise
        return Received(existing, created=False)
    return Received(message, created=True)


def _store_inbound(
    *,
    inbox: Inbox,
    identity_kind: str,
    address: str,
    customer_name: str,
    subject: str,
    seen_conversation: Conversation | None,
    target: Conversation | None = None,
    open_new: bool = False,
    **message_fields: Any,
) -> Message:
    now = timezone.now()
    preview = preview_of(message_fields["text"])
    if target is not None:
        _note_customer_activity(target, preview, now)
        return _add_inbound_message(target, now, message_fields)
    if open_new:
        customer = find_or_create_customer(kind=identity_kind, address=address, name=customer_name)
        opened = _open_conversation(
            inbox=inbox, customer=customer, subject=subject, preview=preview, now=now
        )
        return _add_inbound_message(opened, now, message_fields)
    if seen_conversation and _touch_if_still_open(seen_conversation, inbox, preview, now):
        return _add_inbound_message(seen_conversation, now, message_fields)
    conversation = latest_unresolved(inbox.pk, identity_kind, address)
    if conversation is None:
        customer = find_or_create_customer(kind=identity_kind, address=address, name=customer_name)
        conversation = _open_conversation(
            inbox=inbox, customer=customer, subject=subject, preview=preview, now=now
        )
    else:
        _note_customer_activity(conversation, preview, now)
    return _add_inbound_message(conversation, now, message_fields)


def _add_inbound_message(
    conversation: Conversation, now: datetime, message_fields: dict[str, Any]
) -> Message:
    attachments = message_fields.pop("attachments")
    message = rows.insert(
        Message(
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.INBOUND,
            created_at=now,
            **message_fields,
        )
    )
    remember_attachments(message, store_attachments(message, attachments))
    publish(
        MessageReceived(
            message_id=message.pk,
            conversation_id=conversation.pk,
            inbox_id=conversation.inbox_id,
            message=message,
        )
    )
    return message


def _open_conversation(
    *, inbox: Inbox, customer: Customer, subject: str, preview: str, now: datetime
) -> Conversation:
    # Created with the customer's message already noted, so no UPDATE follows.
    conversation = rows.insert(
        Conversation(
            inbox=inbox,
            customer=customer,
            subject=subject[:255],
            status=Status.OPEN,
            preview=preview,
            created_at=now,
            last_activity_at=now,
            last_customer_message_at=now,
            waiting_since=now,
        )
    )
    counts.bump(inbox.pk, (Status.OPEN, None), +1)
    publish(
        ConversationCreated(
            conversation_id=conversation.pk, inbox_id=inbox.pk, conversation=conversation
        )
    )
    return conversation


def _touch_if_still_open(
    conversation: Conversation, inbox: Inbox, preview: str, now: datetime
) -> bool:
    """Note the customer's message on a conversation read before this transaction.

    One conditional UPDATE instead of reading the row again: it matches only while the
    conversation is still open (so no count moves), else the caller looks it up afresh.
    """
    if conversation.inbox_id != inbox.pk or conversation.status != Status.OPEN:
        return False
    updated = _update_if_open(conversation.pk, preview, now)
    if updated:
        conversation.last_activity_at = conversation.last_customer_message_at = now
        conversation.preview = preview
        conversation.waiting_since = conversation.waiting_since or now
    return bool(updated)


def _update_if_open(conversation_id: int, preview: str, now: datetime) -> bool:
    """The UPDATE of ``_touch_if_still_open``, written out: every API-channel and chat
    message runs it, and compiling it through the ORM (``F``, ``Coalesce``) took longer
    than the database took to run it."""
    connection = connections[router.db_for_write(Conversation)]
    quote = connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(  # only the table name is formatted in; every value is a parameter
            f"UPDATE {quote(Conversation._meta.db_table)} SET last_activity_at = %s,"  # noqa: S608
            " last_customer_message_at = %s, preview = %s,"
            " waiting_since = COALESCE(waiting_since, %s) WHERE id = %s AND status = %s",
            [at, at, preview, at, conversation_id, Status.OPEN.value],
        )
        return bool(cursor.rowcount)


def _note_customer_activity(conversation: Conversation, preview: str, now: datetime) -> None:
    old_status = conversation.status
    conversation.last_activity_at = now
    conversation.last_customer_message_at = now
    conversation.preview = preview
    conversation.waiting_since = conversation.waiting_since or now
    fields = ["last_activity_at", "last_customer_message_at", "preview", "waiting_since"]
    if old_status != Status.OPEN:  # the customer wrote again: a pending or snoozed one reopens
        conversation.status = Status.OPEN
        conversation.snoozed_until = None
        fields += ["status", "snoozed_until"]
        move_count(conversation, old_status, conversation.assignee_id)
    conversation.save(update_fields=fields)
