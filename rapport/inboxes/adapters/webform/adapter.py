"""Replies to web-form conversations go to the customer by e-mail."""

from __future__ import annotations

from rapport.conversations.models import Message
from rapport.inboxes.adapters.replymail import (  # re-exported: callers import them from here
    conversation_message_id,
    safe_display_name,
    send_reply_email,
)
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

__all__ = ["WebFormAdapter", "conversation_message_id", "safe_display_name"]


class WebFormAdapter:
    def send(self, delivery: Delivery, message: Message) -> str:
        conversation = message.conversation
        customer = conversation.customer
        if not customer.email:
            raise DeliveryError("the customer has no e-mail address to reply to", permanent=True)
        return send_reply_email(
            message,
            delivery=delivery,
            to_email=customer.email,
            to_name=customer.name,
            default_subject=f"Your message to {conversation.inbox.name}",
        )
