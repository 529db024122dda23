"""Agents writing: replies to the customer and internal notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.actions.changes import change_status
from rapport.conversations.actions.common import check_may_change, check_text, preview_of
from rapport.conversations.events import NoteAdded, ReplyQueued
from rapport.conversations.mentions import mentioned_users
from rapport.conversations.models import (
    Conversation,
    DeliveryStatus,
    Direction,
    Mention,
    Message,
)
from rapport.core.errors import ValidationFailed
from rapport.core.events import publish
from rapport.inboxes import channels
from rapport.outbox import actions as outbox
from rapport.outbox.models import DeliveryKind
from rapport.search import index


def send_reply(
    *,
    conversation: Conversation,
    author: User,
    text: str,
    attachments: Sequence[UploadedFile] = (),
    status_after: str | None = None,
    extras: Mapping[str, Any] | None = None,
) -> Message:
    """Write an agent's reply and queue its delivery through the inbox's channel.

    ``extras`` is what the channel sends beside the text (a WhatsApp template, quick-reply
    buttons), kept as the message's ``raw`` for its ``send``. Outside the channel's
    customer-service window (``Channel.reply_window``) a reply without what the window
    still allows (a template) is refused, whichever way it was written.
    """
    check_may_change(author, conversation, "reply to customers")
    check_reply_window(conversation, extras)
    text = check_text(text)
    with transaction.atomic():
        now = timezone.now()
        message = Message.objects.create(
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.OUTBOUND,
            author=author,
            text=text,
            delivery_status=DeliveryStatus.QUEUED,
            raw=dict(extras) if extras else None,
            created_at=now,
        )
        index.put_message(message.pk, text)
        store_attachments(message, attachments)
        outbox.queue(kind=DeliveryKind.REPLY, message=message, inbox_id=conversation.inbox_id)
        conversation.last_activity_at = now
        conversation.first_response_at = conversation.first_response_at or now
        conversation.waiting_since = None
        conversation.preview = preview_of(text)
        conversation.save(
            update_fields=["last_activity_at", "first_response_at", "waiting_since", "preview"]
        )
        publish(
            ReplyQueued(
                message_id=message.pk,
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
            )
        )
        if status_after and status_after != conversation.status:
            change_status(conversation=conversation, actor=author, status=status_after)
    return message


def check_reply_window(conversation: Conversation, extras: Mapping[str, Any] | None) -> None:
    """Refuse a reply the provider would refuse: free text after its window closed."""
    channel = channels.find(conversation.inbox.kind)
    window = channel.reply_window(conversation) if channel is not None else None
    now = timezone.now()
    if window is not None and not window.permits(extras, now):
        raise ValidationFailed(window.refusal(now))


def send_automatic_reply(*, conversation: Conversation, text: str) -> Message:
    """Queue a message no agent wrote (an e-mail inbox's acknowledgement of a new
    conversation). It is not a response: the conversation still waits for an agent."""
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.OUTBOUND,
            text=check_text(text),
            delivery_status=DeliveryStatus.QUEUED,
            created_at=timezone.now(),
        )
        index.put_message(message.pk, message.text)
        outbox.queue(kind=DeliveryKind.REPLY, message=message, inbox_id=conversation.inbox_id)
        publish(
            ReplyQueued(
                message_id=message.pk,
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
            )
        )
    return message


def add_note(
    *, conversation: Conversation, author: User, text: str, external_id: str = ""
) -> Message:
    """Add an internal note; staff mentioned in it get notified. ``external_id``: what a
    provider's report that makes the note is known by (unique in the inbox), so its
    repeat raises ``IntegrityError`` instead of adding the note twice."""
    text = check_text(text)
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.NOTE,
            author=author,
            text=text,
            created_at=timezone.now(),
            external_id=external_id,
        )
        index.put_message(message.pk, text)
        mentioned = [user for user in mentioned_users(text) if user.pk != author.pk]
        Mention.objects.bulk_create(Mention(message=message, user=user) for user in mentioned)
        publish(
            NoteAdded(
                message_id=message.pk,
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                mentioned_user_ids=tuple(user.pk for user in mentioned),
            )
        )
    return message
