"""Writing test data through the actions, so the index is kept the way it is in use."""

from __future__ import annotations

from rapport.accounts.models import User
from rapport.conversations.actions import add_note, receive_message, send_reply
from rapport.conversations.inbound import InboundMessage, OpenConversation, Sender
from rapport.conversations.models import Message
from rapport.inboxes.models import Inbox
from rapport.search.query import parse
from rapport.search.selectors import search_customers, search_messages


def receive(
    inbox: Inbox,
    text: str,
    *,
    email: str = "jane@example.com",
    name: str = "Jane Doe",
    subject: str = "",
    new: bool = False,
) -> Message:
    message = InboundMessage(
        sender=Sender("email", email, name),
        text=text,
        subject=subject,
        **({"thread": OpenConversation()} if new else {}),
    )
    return receive_message(inbox=inbox, message=message).message


def reply(message: Message, author: User, text: str) -> Message:
    return send_reply(conversation=message.conversation, author=author, text=text)


def note(message: Message, author: User, text: str) -> Message:
    return add_note(conversation=message.conversation, author=author, text=text)


def found(user: User, text: str, **options: object) -> list[str]:
    """The texts of the messages ``user`` finds with ``text``, newest first."""
    page = search_messages(user, parse(text), **options)  # type: ignore[arg-type]
    return [hit.message.text for hit in page.hits]


def customers_found(user: User, text: str) -> list[str]:
    return [c.name for c in search_customers(user, text)]
