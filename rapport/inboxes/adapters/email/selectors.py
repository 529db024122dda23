"""Reads for the e-mail views, each behind the conversation's permission check."""

from __future__ import annotations

from rapport.accounts.models import User
from rapport.conversations.selectors import access_conversation
from rapport.core.errors import NotFound
from rapport.inboxes.adapters.email.models import EmailDetails, RawEmail


def access_details(user: User, message_id: int) -> EmailDetails:
    """The e-mail details of a message the user may see; NotFound otherwise."""
    details = (
        EmailDetails.objects.select_related("message", "raw").filter(message_id=message_id).first()
    )
    if details is None:
        raise NotFound(f"message {message_id} has no e-mail details")
    access_conversation(user, details.message.conversation_id)
    return details


def access_raw(user: User, message_id: int) -> RawEmail:
    details = access_details(user, message_id)
    if details.raw is None:
        raise NotFound(f"the original of message {message_id} was not kept")
    return details.raw
