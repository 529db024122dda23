"""Replies in API-channel conversations go to the inbox's webhook URL, signed."""

from __future__ import annotations

from rapport.conversations.models import Message
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery
from rapport.outbox.webhooks import post_json


def reply_payload(message: Message) -> dict[str, object]:
    conversation = message.conversation
    return {
        "event": "message.outbound",
        "message": {
            "id": message.pk,
            "conversation_id": conversation.pk,
            "text": message.text,
            "created_at": message.created_at.isoformat(),
            "author": {"id": message.author_id, "name": str(message.author or "")},
        },
        "customer": {
            "id": conversation.customer_id,
            "identities": [
                {"kind": i.kind, "address": i.address}
                for i in conversation.customer.identities.all()
            ],
        },
    }


class ApiChannelAdapter:
    def send(self, delivery: Delivery, message: Message) -> str:
        inbox = message.conversation.inbox
        url = inbox.setting("webhook_url")
        if not url:
            raise DeliveryError(
                "this API inbox has no webhook URL to deliver replies to", permanent=True
            )
        return post_json(
            url=url,
            secret=inbox.setting("webhook_secret", ""),
            payload=reply_payload(message),
            delivery_id=delivery.pk,
        )
