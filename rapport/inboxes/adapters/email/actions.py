"""E-mail actions an agent takes: a reply with CC."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from rapport.accounts.models import User
from rapport.conversations.actions import send_reply
from rapport.conversations.models import Conversation, Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email.addresses import clean_address
from rapport.inboxes.adapters.email.models import EmailDetails

MAX_CC = 20


def send_email_reply(
    *,
    conversation: Conversation,
    author: User,
    text: str,
    cc: Sequence[str] = (),
    attachments: Sequence[UploadedFile] = (),
    status_after: str | None = None,
) -> Message:
    """``send_reply`` with CC addresses; they are stored before the outbox sends the mail."""
    addresses = [clean_address(address) for address in cc if address.strip()]
    if any(not address for address in addresses):
        raise ValidationFailed("one of the CC addresses is not a valid e-mail address")
    if len(addresses) > MAX_CC:
        raise ValidationFailed(f"at most {MAX_CC} CC addresses")
    with transaction.atomic():  # the send job starts on commit, so it sees the CC
        message = send_reply(
            conversation=conversation,
            author=author,
            text=text,
            attachments=attachments,
            status_after=status_after,
        )
        EmailDetails.objects.create(
            message=message, inbox_id_copy=conversation.inbox_id, cc=list(dict.fromkeys(addresses))
        )
    return message
