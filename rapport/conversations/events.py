"""The events the conversations app publishes. Names are the constants subscribers use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rapport.core.events import Event

if TYPE_CHECKING:
    from rapport.conversations.models import Conversation, Message


@dataclass(frozen=True)
class ConversationCreated(Event):
    name = "conversation.created"
    conversation_id: int
    inbox_id: int
    # As the action holds it (with inbox and customer): see ``MessageReceived.message``.
    conversation: Conversation | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MessageReceived(Event):
    name = "message.received"
    message_id: int
    conversation_id: int
    inbox_id: int
    # The stored message as the action holds it (with its conversation, inbox and
    # customer), so a subscriber in this process need not read it back: that read was
    # most of the cost of a message on the API channel with an agent watching.
    message: Message | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ReplyQueued(Event):
    name = "message.reply_queued"
    message_id: int
    conversation_id: int
    inbox_id: int


@dataclass(frozen=True)
class NoteAdded(Event):
    name = "message.note_added"
    message_id: int
    conversation_id: int
    inbox_id: int
    mentioned_user_ids: tuple[int, ...]


@dataclass(frozen=True)
class ConversationAssigned(Event):
    name = "conversation.assigned"
    conversation_id: int
    inbox_id: int
    assignee_id: int | None
    team_id: int | None
    actor_id: int | None


@dataclass(frozen=True)
class ConversationStatusChanged(Event):
    name = "conversation.status_changed"
    conversation_id: int
    inbox_id: int
    old_status: str
    new_status: str
    actor_id: int | None


@dataclass(frozen=True)
class ConversationResolved(Event):
    name = "conversation.resolved"
    conversation_id: int
    inbox_id: int


@dataclass(frozen=True)
class ConversationUpdated(Event):
    """Priority or tags changed."""

    name = "conversation.updated"
    conversation_id: int
    inbox_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryFailed(Event):
    name = "delivery.failed"
    delivery_id: int
    message_id: int | None
