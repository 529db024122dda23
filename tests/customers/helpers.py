"""Customers made the way channels make them: a message received from an address."""

from __future__ import annotations

from django.db import connection

from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, OpenConversation, Sender
from rapport.conversations.models import Conversation
from rapport.inboxes.models import Inbox


def writes_in(
    inbox: Inbox, kind: str, address: str, name: str = "", text: str = "Hello"
) -> Conversation:
    """A customer writes from ``kind:address`` (already normalised); their conversation."""
    message = InboundMessage(
        sender=Sender(kind, address, name), text=text, subject=text, thread=OpenConversation()
    )
    return receive_message(inbox=inbox, message=message).message.conversation


def indexed_customer_ids() -> set[int]:
    """The customer rows of the search index, whatever the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM search_customer")
        return {int(row[0]) for row in cursor.fetchall()}
