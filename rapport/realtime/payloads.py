"""What agents' browsers receive. Small on purpose: ids to refresh by, and a preview line.

Text travels as data; the agent app puts it on screen with ``textContent`` (live.js) or
through Django's autoescaping (refreshed fragments), never as markup.
"""

from __future__ import annotations

from rapport.conversations.actions import preview_of
from rapport.conversations.events import ConversationDeleted
from rapport.conversations.models import Conversation, Message

Payload = dict[str, object]


def message_payload(message: Message) -> Payload:
    conversation = message.conversation
    return {
        "type": "message",
        "id": message.pk,
        "conversation_id": conversation.pk,
        "inbox_id": message.inbox_id,
        "direction": message.direction,
        "author_id": message.author_id,
        "author": str(message.author) if message.author else conversation.customer.display_name,
        "subject": conversation.subject,
        "preview": preview_of(message.text),
        "created_at": message.created_at.isoformat(),
    }


def conversation_payload(conversation: Conversation, change: str, **extra: object) -> Payload:
    return {
        "type": "conversation",
        "change": change,
        "conversation_id": conversation.pk,
        "inbox_id": conversation.inbox_id,
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "customer": conversation.customer.display_name,
        "subject": conversation.subject,
        **extra,
    }


def deleted_payload(event: ConversationDeleted) -> Payload:
    """A deleted conversation: its ids only (subject and customer went with it)."""
    return {
        "type": "conversation",
        "change": "deleted",
        "conversation_id": event.conversation_id,
        "inbox_id": event.inbox_id,
        "actor_id": event.actor_id,
    }
