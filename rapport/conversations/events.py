"""The events the conversations app publishes. Names are the constants subscribers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapport.core.events import Event

if TYPE_CHECKING:
    from rapport.conversations.models import Conversation, Message


@dataclass(frozen=True)
class ConversationEvent(Event):
    """What every event about one conversation carries: which, and in which inbox (the
    push subscriber sends to that inbox's agents without reading the conversation)."""

    conversation_id: int
    inbox_id: int


@dataclass(frozen=True)
class MessageEvent(ConversationEvent):
    """An event about one message of a conversation."""

    message_id: int


@dataclass(frozen=True)
class ConversationCreated(ConversationEvent):
    name = "conversation.created"
    # As the action holds it (with inbox and customer): see ``MessageReceived.message``.
    conversation: Conversation | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MessageReceived(MessageEvent):
    name = "message.received"
    # The stored message as the action holds it (with its conversation, inbox and
    # customer), so a subscriber in this process need not read it back: that read was
    # most of the cost of a message on the API channel with an agent watching.
    message: Message | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReplyQueued(MessageEvent):
    name = "message.reply_queued"


@dataclass(frozen=True)
class NoteAdded(MessageEvent):
    name = "message.note_added"
    mentioned_user_ids: tuple[int, ...]


@dataclass(frozen=True)
class ConversationAssigned(ConversationEvent):
    name = "conversation.assigned"
    assignee_id: int | None
    team_id: int | None
    actor_id: int | None


@dataclass(frozen=True)
class ConversationStatusChanged(ConversationEvent):
    name = "conversation.status_changed"
    old_status: str
    new_status: str
    actor_id: int | None


@dataclass(frozen=True)
class ConversationResolved(ConversationEvent):
    name = "conversation.resolved"


@dataclass(frozen=True)
class ConversationUpdated(ConversationEvent):
    """Priority or tags changed."""

    name = "conversation.updated"
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ConversationDeleted(ConversationEvent):
    """An admin deleted the conversation: it no longer exists, only its ids remain."""

    name = "conversation.deleted"
    actor_id: int | None


@dataclass(frozen=True)
class DeliveryFailed(Event):
    name = "delivery.failed"
    delivery_id: int
    message_id: int | None
