"""Reads for the chat channel. A visitor only ever sees their own identity's messages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet

from rapport.conversations.models import Attachment, Conversation, Direction, Message, Status
from rapport.core.errors import NotFound
from rapport.customers.models import Identity
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.models import ChatReceipt
from rapport.inboxes.adapters.chat.tokens import Visitor
from rapport.inboxes.models import Inbox, InboxKind
from rapport.realtime.presence import online_agents

HISTORY_LIMIT = 200
# Two transactions may commit in the opposite order of their ids (PostgreSQL): a resume
# also re-sends what was written shortly before the last seen message; clients drop ids
# they already have.
REORDER_WINDOW = timedelta(seconds=5)


def chat_inbox(*, public_key: str = "", inbox_id: int | None = None) -> Inbox:
    """An active chat inbox by its public key or id; NotFound otherwise."""
    rows = Inbox.objects.filter(kind=InboxKind.CHAT, is_active=True)
    inbox = (
        rows.filter(pk=inbox_id).first() if inbox_id else rows.filter(public_key=public_key).first()
    )
    if inbox is None:
        raise NotFound("this chat is not available")
    return inbox


def visitor_identity(visitor: Visitor) -> Identity | None:
    return (
        Identity.objects.select_related("customer")
        .filter(kind=visitor.kind, address=visitor.address)
        .first()
    )


def _own(visitor: Visitor) -> Q:
    return Q(
        conversation__customer__identities__kind=visitor.kind,
        conversation__customer__identities__address=visitor.address,
    )


def _open_conversations(visitor: Visitor) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        inbox_id=visitor.inbox_id,
        customer__identities__kind=visitor.kind,
        customer__identities__address=visitor.address,
    ).exclude(status=Status.RESOLVED)


def current_conversation(visitor: Visitor) -> Conversation | None:
    """The visitor's latest unresolved conversation, which their next message continues."""
    return _open_conversations(visitor).order_by("-last_activity_at").first()


def visible_messages(visitor: Visitor) -> QuerySet[Message]:
    """Messages to and from the visitor in this inbox. Internal notes never."""
    return (
        Message.objects.filter(_own(visitor), inbox_id=visitor.inbox_id)
        .filter(direction__in=[Direction.INBOUND, Direction.OUTBOUND])
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def messages_after(
    rows: QuerySet[Message], last_id: int, limit: int = HISTORY_LIMIT
) -> list[Message]:
    """What a client that has seen up to ``last_id`` is missing, oldest first."""
    if last_id <= 0:
        return list(reversed(rows.order_by("-id")[:limit]))
    anchor = rows.filter(pk=last_id).values_list("created_at", flat=True).first()
    missing = Q(pk__gt=last_id)
    if anchor is not None:
        missing |= Q(created_at__gte=anchor - REORDER_WINDOW, pk__lt=last_id)
    return list(rows.filter(missing).order_by("id")[:limit])


def history(visitor: Visitor, *, before_id: int | None = None, limit: int = 50) -> list[Message]:
    """The latest ``limit`` messages (before ``before_id`` when paging back), oldest first."""
    rows = visible_messages(visitor)
    if before_id:
        rows = rows.filter(pk__lt=before_id)
    return list(reversed(rows.order_by("-id")[: max(1, min(limit, HISTORY_LIMIT))]))


def receipts(conversation_ids: set[int]) -> list[dict[str, int]]:
    return [r.as_dict() for r in ChatReceipt.objects.filter(conversation_id__in=conversation_ids)]


def owns_message(visitor: Visitor, message_id: int) -> Message | None:
    return visible_messages(visitor).filter(pk=message_id).select_related("conversation").first()


def availability(inbox: Inbox) -> dict[str, bool]:
    """Whether the widget can promise a live answer: open hours and an agent online."""
    is_open = chat_settings(inbox).is_open()
    return {"open": is_open, "online": is_open and bool(online_agents(inbox.pk))}
