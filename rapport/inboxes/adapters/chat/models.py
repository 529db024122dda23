"""What the chat channel keeps beside the conversation: how far each side has read."""

from __future__ import annotations

from django.db import models

from rapport.conversations.models import Conversation


class ChatReceipt(models.Model):
    """Read and delivered marks of one chat conversation, as message-id watermarks.

    Watermarks (the highest message id the other side has received or read) need one
    row per conversation instead of one per message, and only ever move forward.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="chat_receipt"
    )
    # The highest agent message id the visitor's widget received / showed on screen.
    visitor_delivered_up_to = models.BigIntegerField(default=0)
    visitor_read_up_to = models.BigIntegerField(default=0)
    # The highest visitor message id an agent had on screen.
    agent_read_up_to = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"receipts of conversation {self.conversation_id}"

    def as_dict(self) -> dict[str, int]:
        return {
            "conversation_id": self.conversation_id,
            "delivered_up_to": self.visitor_delivered_up_to,
            "read_up_to": self.visitor_read_up_to,
            "agent_read_up_to": self.agent_read_up_to,
        }
