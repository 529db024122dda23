"""Receiving a customer's message: find them by identity, continue or open a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.conversations import counts
from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.actions.common import check_text, move_count, preview_of
from rapport.conversations.attachments import remember_attachments
from rapport.conversations.events import ConversationCreated, MessageReceived
from rapport.conversations.inbound import (
    ContinueConversation,
    InboundMessage,
    OpenConversation,
    Sender,
)
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
from rapport.core.locks import transaction_lock
from rapport.customers.actions import find_or_create_customer
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from rapport.search import index


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


def receive_message(*, inbox: Inbox, message: InboundMessage, savepoint: bool = True) -> Received:
    """Store a message from a customer: find them by identity, continue or open a conversation.

    Where it goes is ``message.thread`` (see ``conversations.inbound``): by default the
    customer's latest unresolved conversation in this inbox, else a new one. Receiving the
    same ``external_id`` twice is a no-op that returns the first message, even when two
    deliveries race.

    ``savepoint=False`` is for a caller that stores many messages in one transaction of
    its own (a worker's batch of webhooks): no savepoint pair per message, and a repeat
    raises ``IntegrityError``, which spoils the caller's transaction; it then rolls back
    and stores the messages one by one with savepoints.
    """
    thread = message.thread
    if isinstance(thread, ContinueConversation) and thread.conversation.inbox_id != inbox.pk:
        raise ValidationFailed("the conversation belongs to another inbox")
    text = check_text(message.text)
    # No look-up of the external id first: the unique constraint on (inbox, external_id)
    # catches a repeat inside the transaction, which then rolls back. Repeats are rare, and
    # skipping the look-up saves one statement on every new message (the ingest budget).
    try:
        with transaction.atomic(savepoint=savepoint):
            stored = _store_inbound(inbox, message, text)
    except IntegrityError:
        # The same message was received before, or two deliveries of it raced.
        if not message.external_id or not savepoint:
            raise
        existing = (
            Message.objects.select_related("conversation")
            .filter(inbox=inbox, external_id=message.external_id)
            .first()
        )
        if existing is None:
            raise
        return Received(existing, created=False)
    return Received(stored, created=True)


def _store_inbound(inbox: Inbox, message: InboundMessage, text: str) -> Message:
    now = timezone.now()
    preview = preview_of(text)
    thread = message.thread
    if isinstance(thread, ContinueConversation):
        _note_customer_activity(thread.conversation, preview, now)
        return _add_inbound_message(thread.conversation, now, message, text)
    if isinstance(thread, OpenConversation):
        opened = _open_for(inbox, message.sender, message.subject, preview, now)
        return _add_inbound_message(opened, now, message, text, opened=True)
    seen = thread.seen
    if seen is not None and _touch_if_still_open(seen, inbox, preview, now):
        return _add_inbound_message(seen, now, message, text)
    sender = message.sender
    conversation = latest_unresolved(inbox.pk, sender.kind, sender.address)
    if conversation is None:
        conversation = _after_others_opening(inbox, sender)
    is_new = conversation is None
    if conversation is None:
        conversation = _open_for(inbox, sender, message.subject, preview, now)
    else:
        _note_customer_activity(conversation, preview, now)
    return _add_inbound_message(conversation, now, message, text, opened=is_new)


def _after_others_opening(inbox: Inbox, sender: Sender) -> Conversation | None:
    """Before opening a customer's conversation: wait for any other transaction opening
    one for the same sender in this inbox to end, then look again. Two messages of a new
    customer received at once (two workers' batches of webhooks, two requests) opened two
    conversations on PostgreSQL, neither seeing the other's before its commit. Two
    statements, only on the way to a new conversation; SQLite's writers take turns."""
    if not transaction_lock(f"open-conversation:{inbox.pk}:{sender.kind}:{sender.address}"):
        return None
    return latest_unresolved(inbox.pk, sender.kind, sender.address)


def _add_inbound_message(
    conversation: Conversation,
    now: datetime,
    inbound: InboundMessage,
    text: str,
    *,
    opened: bool = False,
) -> Message:
    message = rows.insert(inbound_row(conversation, now, inbound, text))
    # The message that opened the conversation is found by its subject too.
    index.put_message(message.pk, text, conversation.subject if opened else "")
    remember_attachments(message, store_attachments(message, inbound.attachments))
    publish_received(message)
    return message


def inbound_row(
    conversation: Conversation, now: datetime, inbound: InboundMessage, text: str
) -> Message:
    """The customer's message as a row, not saved yet (``receive_many`` saves many)."""
    return Message(
        conversation=conversation,
        inbox_id=conversation.inbox_id,
        direction=Direction.INBOUND,
        created_at=now,
        text=text,
        html=inbound.html,
        external_id=inbound.external_id,
        raw=inbound.raw,
    )


def publish_received(message: Message) -> None:
    conversation = message.conversation
    publish(
        MessageReceived(
            message_id=message.pk,
            conversation_id=conversation.pk,
            inbox_id=conversation.inbox_id,
            message=message,
        )
    )


def _open_for(
    inbox: Inbox, sender: Sender, subject: str, preview: str, now: datetime
) -> Conversation:
    customer = find_or_create_customer(kind=sender.kind, address=sender.address, name=sender.name)
    return _open_conversation(
        inbox=inbox, customer=customer, subject=subject, preview=preview, now=now
    )


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
    """The UPDATE of ``_touch_if_still_open``, compiled once (``core.rows``): every
    API-channel and chat message runs it, and compiling it through the ORM (``F``,
    ``Coalesce``) took longer than the database took to run it."""
    return rows.update_one(
        Conversation,
        conversation_id,
        values={"last_activity_at": now, "last_customer_message_at": now, "preview": preview},
        unless_set={"waiting_since": now},
        where={"status": Status.OPEN},
    )


def _note_customer_activity(conversation: Conversation, preview: str, now: datetime) -> None:
    old_status = conversation.status
    conversation.last_activity_at = now
    conversation.last_customer_message_at = now
    conversation.preview = preview
    if old_status == Status.OPEN:
        # The usual case, in a statement compiled once (``core.rows``): ``save()``
        # compiled its UPDATE for every message (an eighth of a webhook's processing).
        rows.update_one(
            Conversation,
            conversation.pk,
            values={"last_activity_at": now, "last_customer_message_at": now, "preview": preview},
            unless_set={"waiting_since": now},
        )
        conversation.waiting_since = conversation.waiting_since or now
        return
    # The customer wrote again: a pending or snoozed conversation reopens.
    conversation.waiting_since = conversation.waiting_since or now
    conversation.status = Status.OPEN
    conversation.snoozed_until = None
    move_count(conversation, old_status, conversation.assignee_id)
    conversation.save(
        update_fields=[
            "last_activity_at",
            "last_customer_message_at",
            "preview",
            "waiting_since",
            "status",
            "snoozed_until",
        ]
    )
