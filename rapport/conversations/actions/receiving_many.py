"""Receiving a batch of customers' messages in a few statements (a worker's webhooks).

``receive_message`` takes about four statements per message: the customer's open
conversation, the note of their message on it, the message, its search entry. Each is a
round trip, and with a worker's batch of webhooks the database's round trips, not
Python, were what a processed webhook waited on (py-spy of ``bench/webhooks.py``). Here
the usual case — a message continuing a customer's open conversation, with no files —
takes those four statements for the whole batch; the rest (a first message, a
conversation to reopen, files, a message placed in a given conversation) goes through
``receive_message`` one by one, in the same transaction.

Rows are locked in one order in any two batches, so two workers' batches never
deadlock: conversations in id order, a new customer's conversation by sender (under the
lock of ``receiving._after_others_opening``), and the conversation counts, the hottest
rows of all, last (``counts.deferred``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Case, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.conversations import counts
from rapport.conversations.actions.common import check_text, preview_of
from rapport.conversations.actions.receiving import (
    inbound_row,
    publish_received,
    receive_message,
)
from rapport.conversations.inbound import ContinueLatest, InboundMessage
from rapport.conversations.lookups import Key, latest_unresolved_many
from rapport.conversations.models import Conversation, Message, Status
from rapport.inboxes.models import Inbox
from rapport.search import index


def receive_many(batch: Sequence[tuple[Inbox, InboundMessage]]) -> None:
    """Store every message of ``batch``, each as ``receive_message`` would, inside the
    caller's transaction. A message received before (the same external id) raises
    ``IntegrityError`` and spoils the transaction: the caller then goes one by one."""
    # A sender with any message out of the usual goes one by one for all of them, so
    # their messages are stored in the order they came.
    unusual = {_key(inbox, m) for inbox, m in batch if not _fits(m)}
    with counts.deferred():
        continuing = latest_unresolved_many({_key(inbox, m) for inbox, m in batch} - unusual)
        usual: list[tuple[Conversation, InboundMessage]] = []
        others: list[tuple[Inbox, InboundMessage]] = []
        for inbox, message in batch:
            conversation = continuing.get(_key(inbox, message))
            if conversation is not None and conversation.status == Status.OPEN:
                usual.append((conversation, message))
            else:
                others.append((inbox, message))
        # A sender's own messages keep their order; different senders go in one order.
        others.sort(key=lambda pair: (pair[1].sender.kind, pair[1].sender.address, pair[0].pk))
        for inbox, message in others:
            receive_message(inbox=inbox, message=message, savepoint=False)
        if usual:
            _continue_open(usual, timezone.now())


def _fits(message: InboundMessage) -> bool:
    """The usual case: continuing the sender's latest conversation, with no files."""
    return (
        isinstance(message.thread, ContinueLatest)
        and message.thread.seen is None
        and not message.attachments
    )


def _key(inbox: Inbox, message: InboundMessage) -> Key:
    return (inbox.pk, message.sender.kind, message.sender.address)


def _continue_open(usual: list[tuple[Conversation, InboundMessage]], now: datetime) -> None:
    """Messages continuing open conversations: one INSERT of the messages, one of their
    search entries, one UPDATE of the conversations."""
    texts = [check_text(message.text) for _, message in usual]
    previews = {
        conversation.pk: preview_of(text)
        for (conversation, _), text in zip(usual, texts, strict=True)
    }
    messages = Message.objects.bulk_create(
        inbound_row(conversation, now, message, text)
        for (conversation, message), text in zip(usual, texts, strict=True)
    )
    index.put_messages((stored.pk, stored.text, "") for stored in messages)
    # Last, so the conversations, which other batches may want too, are locked only
    # until the commit that follows.
    Conversation.objects.filter(pk__in=sorted(previews)).update(
        last_activity_at=now,
        last_customer_message_at=now,
        preview=Case(*(When(pk=pk, then=Value(p)) for pk, p in previews.items())),
        waiting_since=Coalesce("waiting_since", Value(now)),
    )
    for (conversation, _), stored in zip(usual, messages, strict=True):
        conversation.last_activity_at = conversation.last_customer_message_at = now
        conversation.preview = previews[conversation.pk]
        conversation.waiting_since = conversation.waiting_since or now
        publish_received(stored)
