"""Meta's messaging window for Messenger and Instagram.

A business may answer freely for 24 hours after the customer's last message (the standard
window, ``messaging_type: RESPONSE``). After that, a person — not a bot — may still answer
for up to 7 days, tagged ``MESSAGE_TAG`` / ``HUMAN_AGENT``. Beyond 7 days nothing can be
sent until the customer writes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max

from rapport.conversations.models import Conversation, Direction, Message

STANDARD = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)

OPEN, HUMAN_AGENT_ONLY, CLOSED = "open", "human_agent", "closed"
UNSENT_SUFFIX = ":deleted"  # the external id of the note an unsent message leaves


@dataclass(frozen=True)
class MessagingWindow:
    """When the customer last wrote, and until when each way of answering is allowed."""

    last_inbound: datetime | None
    standard_until: datetime | None  # last_inbound + 24 h
    human_agent_until: datetime | None  # last_inbound + 7 days

    def state(self, now: datetime) -> str:
        """``open`` (24 h), ``human_agent`` (up to 7 days, tagged) or ``closed``."""
        if self.standard_until is not None and now < self.standard_until:
            return OPEN
        if self.human_agent_until is not None and now < self.human_agent_until:
            return HUMAN_AGENT_ONLY
        return CLOSED

    def send_fields(self, now: datetime) -> dict[str, Any] | None:
        """The Send API's ``messaging_type`` (and ``tag``) for a reply now; None: closed."""
        state = self.state(now)
        if state == OPEN:
            return {"messaging_type": "RESPONSE"}
        if state == HUMAN_AGENT_ONLY:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        return None

    def refusal(self, channel_label: str) -> str:
        """Why nothing can be sent, in words for the agent."""
        if self.last_inbound is None:
            return (
                f"{channel_label} lets a business answer only after the customer wrote:"
                " this customer has not written to this inbox."
            )
        day = self.last_inbound.strftime("%d %b %Y")
        return (
            f"The customer last wrote on {day}, more than 7 days ago: {channel_label} lets a"
            " business answer only within 7 days of the customer's last message. They must"
            " write again before you can answer here."
        )


def window_for(conversation: Conversation) -> MessagingWindow:
    """The window of the customer's thread with this inbox's Page or account: from their
    last message in any conversation of the inbox (Meta keeps one thread per person)."""
    last = (
        Message.objects.filter(
            inbox_id=conversation.inbox_id,
            conversation__customer_id=conversation.customer_id,
            direction=Direction.INBOUND,
        )
        .exclude(external_id__endswith=UNSENT_SUFFIX)  # taking a message back opens nothing
        .aggregate(last=Max("created_at"))["last"]
    )
    if last is None:
        return MessagingWindow(None, None, None)
    return MessagingWindow(last, last + STANDARD, last + HUMAN_AGENT)
