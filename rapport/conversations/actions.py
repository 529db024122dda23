"""Every write to conversations and messages. Views, the API, the CLI and jobs call these.

Each public action runs in one transaction, checks what the actor may do, writes an audit
entry where a person changed something, and publishes its events after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.conversations import counts, outbox
from rapport.conversations.attachments import store_attachments
from rapport.conversations.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationResolved,
    ConversationStatusChanged,
    ConversationUpdated,
    MessageReceived,
    NoteAdded,
    ReplyQueued,
)
from rapport.conversations.mentions import mentioned_users
from rapport.conversations.models import (
    Conversation,
    DeliveryKind,
    DeliveryStatus,
    Direction,
    Mention,
    Message,
    Priority,
    Status,
    Tag,
)
from rapport.conversations.selectors import can_change
from rapport.core import audit
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.events import publish
from rapport.customers.actions import find_or_create_customer
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import visible_inbox_ids

PREVIEW_CHARS = 160


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool  # False when the same external id had already been received


def preview_of(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("the message is empty")
    if len(text) > settings.RAPPORT_MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"the message is longer than {settings.RAPPORT_MAX_MESSAGE_CHARS} characters"
        )
    return text


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
    conversation = (
        unresolved_conversations(identity_kind=identity_kind, address=address)
        .filter(inbox=inbox)
        .first()
    )
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
    message = Message.objects.create(
        conversation=conversation,
        inbox_id=conversation.inbox_id,
        direction=Direction.INBOUND,
        created_at=now,
        **message_fields,
    )
    store_attachments(message, attachments)
    publish(
        MessageReceived(
            message_id=message.pk,
            conversation_id=conversation.pk,
            inbox_id=conversation.inbox_id,
        )
    )
    return message


def _open_conversation(
    *, inbox: Inbox, customer: Customer, subject: str, preview: str, now: datetime
) -> Conversation:
    # Created with the customer's message already noted, so no UPDATE follows.
    conversation = Conversation.objects.create(
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
    counts.bump(inbox.pk, (Status.OPEN, None), +1)
    publish(ConversationCreated(conversation_id=conversation.pk, inbox_id=inbox.pk))
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
    updated = Conversation.objects.filter(pk=conversation.pk, status=Status.OPEN).update(
        last_activity_at=now,
        last_customer_message_at=now,
        preview=preview,
        waiting_since=Coalesce(F("waiting_since"), Value(now)),
    )
    if updated:
        conversation.last_activity_at = conversation.last_customer_message_at = now
        conversation.preview = preview
        conversation.waiting_since = conversation.waiting_since or now
    return bool(updated)


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
        _move_count(conversation, old_status, conversation.assignee_id)
    conversation.save(update_fields=fields)


def _move_count(conversation: Conversation, old_status: str, old_assignee_id: int | None) -> None:
    counts.move(
        conversation.inbox_id,
        (old_status, old_assignee_id),
        (conversation.status, conversation.assignee_id),
    )


def send_reply(
    *,
    conversation: Conversation,
    author: User,
    text: str,
    attachments: Sequence[UploadedFile] = (),
    status_after: str | None = None,
) -> Message:
    """Write an agent's reply and queue its delivery through the inbox's channel."""
    check_may_change(author, conversation, "reply to customers")
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
            created_at=now,
        )
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


def add_note(*, conversation: Conversation, author: User, text: str) -> Message:
    """Add an internal note; staff mentioned in it get notified."""
    text = check_text(text)
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.NOTE,
            author=author,
            text=text,
            created_at=timezone.now(),
        )
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


def check_may_change(actor: User | None, conversation: Conversation, doing: str) -> None:
    """Replies, assignment, status, tags and priority need a full seat in the inbox.

    Notes do not: a light seat, or staff who see the conversation only because they were
    mentioned in it, may still add notes. ``actor=None`` is Rapport itself (snooze
    wake-ups, automation). ``doing`` completes the refusal's sentence.
    """
    if actor is None:
        return
    if not actor.can_reply:
        raise PermissionDenied(f"a light seat can add internal notes but cannot {doing}")
    if not can_change(actor, conversation):
        raise PermissionDenied(
            f"only members of this conversation's inbox can {doing}; you can add a note"
        )


def assign_conversation(
    *,
    conversation: Conversation,
    actor: User | None,
    assignee: User | None,
    team: Team | None = None,
) -> Conversation:
    """Give the conversation to an agent and/or a team (None clears it)."""
    check_may_change(actor, conversation, "assign conversations")
    if assignee is not None and conversation.inbox_id not in visible_inbox_ids(assignee):
        raise ValidationFailed(f"{assignee} is not a member of this conversation's inbox")
    if assignee is not None and not assignee.can_reply:
        raise ValidationFailed(f"{assignee} has a light seat and cannot be assigned conversations")
    with transaction.atomic():
        old_assignee_id = conversation.assignee_id
        conversation.assignee = assignee
        conversation.team = team
        conversation.save(update_fields=["assignee", "team"])
        _move_count(conversation, conversation.status, old_assignee_id)
        audit.record(
            actor=actor,
            verb="conversation.assigned",
            obj=conversation,
            assignee=assignee.pk if assignee else None,
            team=team.pk if team else None,
        )
        publish(
            ConversationAssigned(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                assignee_id=conversation.assignee_id,
                team_id=conversation.team_id,
                actor_id=actor.pk if actor else None,
            )
        )
    return conversation


def change_status(
    *,
    conversation: Conversation,
    actor: User | None,
    status: str,
    snoozed_until: datetime | None = None,
) -> Conversation:
    """Open, set pending, snooze (until a time) or resolve a conversation."""
    check_may_change(actor, conversation, "change the status")
    if status not in Status.values:
        raise ValidationFailed(f"unknown status {status[:20]!r}; use one of {Status.values}")
    if status == Status.SNOOZED and (snoozed_until is None or snoozed_until <= timezone.now()):
        raise ValidationFailed("snoozing needs a time in the future to wake the conversation")
    with transaction.atomic():
        old_status = conversation.status
        conversation.status = status
        conversation.snoozed_until = snoozed_until if status == Status.SNOOZED else None
        if status == Status.RESOLVED:
            conversation.resolved_at = timezone.now()
            conversation.waiting_since = None
        conversation.save(update_fields=["status", "snoozed_until", "resolved_at", "waiting_since"])
        _move_count(conversation, old_status, conversation.assignee_id)
        audit.record(
            actor=actor,
            verb="conversation.status_changed",
            obj=conversation,
            old=old_status,
            new=status,
        )
        publish(
            ConversationStatusChanged(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                old_status=old_status,
                new_status=status,
                actor_id=actor.pk if actor else None,
            )
        )
        if status == Status.RESOLVED and old_status != Status.RESOLVED:
            publish(
                ConversationResolved(
                    conversation_id=conversation.pk, inbox_id=conversation.inbox_id
                )
            )
    return conversation


def set_priority(*, conversation: Conversation, actor: User | None, priority: int) -> Conversation:
    check_may_change(actor, conversation, "change the priority")
    if priority not in Priority.values:
        raise ValidationFailed(f"priority must be one of {Priority.values}")
    with transaction.atomic():
        old = conversation.priority
        conversation.priority = priority
        conversation.save(update_fields=["priority"])
        audit.record(
            actor=actor,
            verb="conversation.priority_changed",
            obj=conversation,
            old=old,
            new=priority,
        )
        publish(
            ConversationUpdated(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                fields=("priority",),
            )
        )
    return conversation


def set_tags(*, conversation: Conversation, actor: User | None, names: Sequence[str]) -> list[Tag]:
    """Replace the conversation's tags; unknown tag names are created."""
    check_may_change(actor, conversation, "change tags")
    cleaned = sorted({name.strip().lower()[:50] for name in names if name.strip()})
    with transaction.atomic():
        tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
        conversation.tags.set(tags)
        audit.record(actor=actor, verb="conversation.tags_changed", obj=conversation, tags=cleaned)
        publish(
            ConversationUpdated(
                conversation_id=conversation.pk, inbox_id=conversation.inbox_id, fields=("tags",)
            )
        )
    return tags


def wake_snoozed(now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose time has come; return how many."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for conversation in due[:500]:
        change_status(conversation=conversation, actor=None, status=Status.OPEN)
        woken += 1
    return woken
