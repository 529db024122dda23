"""Helpers every conversation action shares: text checks, previews, permission, counts."""

from __future__ import annotations

from django.conf import settings

from rapport.accounts.models import User
from rapport.conversations import counts
from rapport.conversations.models import Conversation
from rapport.conversations.selectors import can_change
from rapport.core.errors import PermissionDenied, ValidationFailed

PREVIEW_CHARS = 160


def preview_of(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed("the message is empty")
    if len(text) > settings.RAPPORT_MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            f"the message is longer than {settings.RAPPORT_MAX_MESSAGE_CHARS} characters"
        )
    return text


def check_may_change(actor: User | None, conversation: Conversation, doing: str) -> None:
    """Replies, assignment, status, tags and priority need a full seat in the inbox.

    Notes do not: a light seat, or staff who see the conversation only because they were
    mentioned in it, may still add notes. ``actor=None`` is Rapport itself (snooze
    wake-ups, automation). ``doing`` completes the refusal's sentence.
    """
    if actor is None:
        return
    if not actor.can_reply:
        raise PermissionDenied(f"a light seat can add internal notes but cannot {doing}")
    if not can_change(actor, conversation):
        raise PermissionDenied(
            f"only members of this conversation's inbox can {doing}; you can add a note"
        )


def move_count(conversation: Conversation, old_status: str, old_assignee_id: int | None) -> None:
    counts.move(
        conversation.inbox_id,
        (old_status, old_assignee_id),
        (conversation.status, conversation.assignee_id),
    )
