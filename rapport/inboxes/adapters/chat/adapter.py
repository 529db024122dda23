"""Agent replies in chat: pushed to the visitor's open widgets, e-mailed when they have left.

A reply counts as sent once it is on the channel layer; the widget then reports it
delivered and read (``actions.mark_seen``). A visitor with no widget open gets the reply by
e-mail too, if they left an address, so an answer written after they closed the tab still
reaches them — and their e-mail answer threads back into this conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapport.conversations.models import Conversation, Message
from rapport.customers.lookups import identity_addresses
from rapport.customers.models import IdentityKind
from rapport.inboxes.adapters.chat.serializers import visitor_message
from rapport.inboxes.adapters.chat.tokens import visitor_group
from rapport.inboxes.adapters.replymail import send_reply_email
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery
from rapport.outbox.senders import Handed
from rapport.realtime import layer, presence

WIDGET_KINDS = (IdentityKind.VISITOR, IdentityKind.EMAIL)
LEFT_NO_EMAIL = (
    "The visitor has left the chat and gave no e-mail address: they see it when they come back"
)
EMAIL_FOOTER = "You can answer this e-mail directly; your reply continues our chat."


def visitor_groups(conversation: Conversation) -> list[str]:
    """The widget groups of every identity of the conversation's customer."""
    addresses = identity_addresses(conversation.customer_id, WIDGET_KINDS)
    return [visitor_group(conversation.inbox_id, kind, address) for kind, address in addresses]


def visitor_in_chat(groups: list[str]) -> bool:
    """Whether a widget of the conversation's visitor has a socket open now: the reply
    then goes to the chat only; otherwise by e-mail too (``ChatAdapter.send``)."""
    return any(presence.visitor_online(group) for group in groups)


@dataclass(frozen=True)
class ReplyRoute:
    """Where a reply written now goes, as the reply box says it (and ``send`` decides it)."""

    in_chat: bool
    email: str

    @property
    def words(self) -> str:
        if self.in_chat:
            return "The visitor is in the chat: your reply appears there at once"
        if self.email:
            return f"The visitor has left the chat: your reply also goes by e-mail to {self.email}"
        return (
            "The visitor has left the chat and gave no e-mail address: they see your reply"
            " when they come back"
        )


def reply_route(conversation: Conversation) -> ReplyRoute:
    in_chat = visitor_in_chat(visitor_groups(conversation))
    return ReplyRoute(in_chat=in_chat, email=conversation.customer.email)


class ChatAdapter:
    def send(self, delivery: Delivery, message: Message) -> Handed | str:
        groups = visitor_groups(message.conversation)
        try:
            layer.send(groups, visitor_message(message))
        except Exception as error:  # Redis down or slow: try again later, nothing is lost
            raise DeliveryError(f"could not reach the chat server: {error}") from None
        if visitor_in_chat(groups):
            return f"chat:{message.pk}"
        customer = message.conversation.customer
        if not customer.email:  # no address to write to: it waits in the widget
            return Handed(f"chat:{message.pk}", LEFT_NO_EMAIL)
        message_id = send_reply_email(
            message,
            delivery=delivery,
            to_email=customer.email,
            to_name=customer.name,
            default_subject=f"Your chat with {message.conversation.inbox.name}",
            footer=EMAIL_FOOTER,
        )
        return Handed(
            message_id, f"Sent by e-mail to {customer.email}: the visitor had left the chat"
        )
