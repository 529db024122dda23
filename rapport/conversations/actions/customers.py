"""Conversations that follow their customer when two customers are merged."""

from __future__ import annotations

from rapport.conversations.events import ConversationUpdated
from rapport.conversations.models import Conversation
from rapport.core.events import publish


def move_customer_conversations(absorbed_id: int, kept_id: int) -> list[int]:
    """Give the absorbed customer's conversations to the kept one; their ids, oldest first.

    Registered with ``customers.merging`` (``apps.ready``) and run inside the merge's
    transaction. Open pages and inbox rows hear it as a change of the conversation's
    customer. The counts are per inbox, status and assignee, so none of them moves.
    """
    rows = Conversation.objects.filter(customer_id=absorbed_id)
    moved = list(rows.order_by("id").values_list("id", "inbox_id"))
    rows.update(customer_id=kept_id)
    for conversation_id, inbox_id in moved:
        publish(
            ConversationUpdated(
                conversation_id=conversation_id, inbox_id=inbox_id, fields=("customer",)
            )
        )
    return [conversation_id for conversation_id, _ in moved]
