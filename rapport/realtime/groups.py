"""Names of the channel-layer groups. Who may join which is decided in the consumers."""

from __future__ import annotations

STAFF = "staff"  # every signed-in staff member: presence changes


def inbox(inbox_id: int) -> str:
    """Agents who can see the inbox: its messages and conversation changes."""
    return f"inbox.{inbox_id}"


def user(user_id: int) -> str:
    """One staff member's own sockets: mentions and assignments to them."""
    return f"user.{user_id}"


def conversation(conversation_id: int) -> str:
    """Agents who have the conversation open: typing and read marks."""
    return f"conversation.{conversation_id}"


def widgets(inbox_id: int) -> str:
    """Every visitor's widget on a chat inbox: whether someone is there to answer."""
    return f"widgets.{inbox_id}"
