"""The push subscriber: domain events → the websockets that may see them.

Listed in ``rapport.config.events.SUBSCRIBERS``; each runs after the action's transaction
committed. Agents get events of the inboxes they can see (group ``inbox.<id>``) and their
own mentions and assignments (``user.<id>``); chat visitors get their conversation's
messages, never internal notes. Messages carry their id, which is also the resume point:
a reconnecting client asks for everything after the last id it saw.
"""

from __future__ import annotations

from rapport.conversations.events import (
    ConversationAssigned,
    ConversationCreated,
    ConversationDeleted,
    ConversationStatusChanged,
    ConversationUpdated,
    DeliveryFailed,
    MessageReceived,
    NoteAdded,
    ReplyQueued,
)
from rapport.conversations.models import Conversation, Message
from rapport.inboxes import channels
from rapport.inboxes.adapters.chat.events import ReceiptChanged
from rapport.inboxes.adapters.chat.models import ChatReceipt
from rapport.realtime import groups, layer
from rapport.realtime.payloads import (
    Payload,
    conversation_payload,
    deleted_payload,
    message_payload,
)


def _message(message_id: int) -> Message:
    return Message.objects.select_related(
        "author", "conversation__customer", "conversation__inbox"
    ).get(pk=message_id)


def _conversation(conversation_id: int) -> Conversation:
    return Conversation.objects.select_related("customer", "inbox").get(pk=conversation_id)


def _customer_groups(conversation: Conversation) -> list[str]:
    """The customer's own open widgets, on channels that have them (chat); else none."""
    channel = channels.find(conversation.inbox.kind)
    return channel.live_groups(conversation) if channel is not None and channel.live else []


def _customer_pushes(message: Message) -> list[tuple[list[str], Payload]]:
    """The message for the customer's own open widgets."""
    targets = _customer_groups(message.conversation)
    if not targets:
        return []
    channel = channels.get(message.conversation.inbox.kind)
    return [(targets, channel.live_message(message))]


def message_received(event: MessageReceived) -> None:
    """A customer wrote: agents of the inbox, and the visitor's other open widgets."""
    if not layer.may_have_listeners([groups.inbox(event.inbox_id), groups.widgets(event.inbox_id)]):
        return  # nobody connected: skip building a payload (the ingest hot path)
    message = event.message or _message(event.message_id)
    pushes = [([groups.inbox(event.inbox_id)], message_payload(message))]
    layer.send_each(pushes + _customer_pushes(message))


def reply_queued(event: ReplyQueued) -> None:
    """An agent replied: the other agents. The visitor gets it from the chat adapter."""
    layer.send([groups.inbox(event.inbox_id)], message_payload(_message(event.message_id)))


def note_added(event: NoteAdded) -> None:
    """A note: agents of the inbox; a mention also to the mentioned staff member."""
    payload = message_payload(_message(event.message_id))
    mentioned = [groups.user(uid) for uid in event.mentioned_user_ids]
    layer.send_each(
        [([groups.inbox(event.inbox_id)], payload), (mentioned, {**payload, "type": "mention"})]
    )


def conversation_created(event: ConversationCreated) -> None:
    if not layer.may_have_listeners([groups.inbox(event.inbox_id)]):
        return
    conversation = event.conversation or _conversation(event.conversation_id)
    layer.send([groups.inbox(event.inbox_id)], conversation_payload(conversation, "created"))


def conversation_assigned(event: ConversationAssigned) -> None:
    """Everyone's lists change; the new assignee is told personally unless they did it."""
    conversation = _conversation(event.conversation_id)
    payload = conversation_payload(conversation, "assigned", actor_id=event.actor_id)
    layer.send([groups.inbox(event.inbox_id)], payload)
    if event.assignee_id and event.assignee_id != event.actor_id:
        layer.send([groups.user(event.assignee_id)], {**payload, "type": "assigned"})


def conversation_status_changed(event: ConversationStatusChanged) -> None:
    conversation = _conversation(event.conversation_id)
    payload = conversation_payload(conversation, "status", actor_id=event.actor_id)
    layer.send([groups.inbox(event.inbox_id)], payload)
    targets = _customer_groups(conversation)
    if targets:
        status = {"type": "status", "conversation_id": conversation.pk}
        layer.send(targets, {**status, "status": event.new_status})


def conversation_updated(event: ConversationUpdated) -> None:
    conversation = _conversation(event.conversation_id)
    payload = conversation_payload(conversation, "updated", fields=list(event.fields))
    layer.send([groups.inbox(event.inbox_id)], payload)


def conversation_deleted(event: ConversationDeleted) -> None:
    """Gone: every agent of the inbox drops its row, and whoever has it open is told.
    Built from the event alone, since the row it would read is deleted."""
    layer.send([groups.inbox(event.inbox_id)], deleted_payload(event))


def delivery_failed(event: DeliveryFailed) -> None:
    """A reply could not be sent: the agents of its inbox must see it, never silence."""
    if event.message_id is None:
        return
    message = _message(event.message_id)
    payload = {**message_payload(message), "type": "delivery_failed"}
    layer.send([groups.inbox(message.inbox_id)], payload)


def receipt_changed(event: ReceiptChanged) -> None:
    """Read marks: to agents who have the conversation open, and to the visitor."""
    receipt = ChatReceipt.objects.filter(conversation_id=event.conversation_id).first()
    if receipt is None:
        return
    payload = {"type": "receipt", **receipt.as_dict()}
    layer.send([groups.conversation(event.conversation_id)], payload)
    layer.send(_customer_groups(_conversation(event.conversation_id)), payload)
