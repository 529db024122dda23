"""Events of the chat channel."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class ReceiptChanged(Event):
    """A visitor received or read agent messages, or an agent read the visitor's."""

    name = "chat.receipt_changed"
    conversation_id: int
    inbox_id: int
