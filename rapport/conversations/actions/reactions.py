"""A customer's reaction to a message, shown on that message (a channel's ``Reaction``)."""

from __future__ import annotations

from django.db import transaction

from rapport.conversations.actions.receiving import receive_message
from rapport.conversations.events import ConversationUpdated
from rapport.conversations.inbound import Reaction
from rapport.conversations.models import Message
from rapport.core.events import publish
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery


def receive_reaction(*, inbox: Inbox, reaction: Reaction) -> Message:
    """Show ``reaction.emoji`` on the message of ``inbox`` it reacts to (a new reaction
    replaces the customer's last one there; "" takes it off) and return that message.

    When no message of the inbox has that id, the reaction is received as the message it
    also is (a line "Reacted 👍 to message …"), as before reactions were shown: nothing a
    customer sends is dropped. Safe to run twice: the same emoji again changes nothing.
    """
    with transaction.atomic():
        message = _reacted_to(inbox, reaction.reacts_to)
        if message is None:
            return receive_message(inbox=inbox, message=reaction).message
        if message.reaction != reaction.emoji:
            message.reaction = reaction.emoji
            message.save(update_fields=["reaction"])
            publish(
                ConversationUpdated(
                    conversation_id=message.conversation_id,
                    inbox_id=message.inbox_id,
                    fields=("messages",),
                )
            )
    return message


def _reacted_to(inbox: Inbox, external_id: str) -> Message | None:
    """The message with the channel's id: a customer's (its external id) or one of our
    replies (the id the provider answered its send with, kept on the delivery)."""
    if not external_id:
        return None
    rows = Message.objects.select_for_update()
    found = rows.filter(inbox=inbox, external_id=external_id).first()
    if found is not None:
        return found
    reply_id = (
        Delivery.objects.filter(inbox=inbox, kind="reply", external_id=external_id)
        .values_list("message_id", flat=True)
        .first()
    )
    return rows.filter(pk=reply_id).first() if reply_id is not None else None
