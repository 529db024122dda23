"""E-mail actions: an agent's reply with CC, an admin's retry of mail that was stuck."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from rapport.accounts.models import User
from rapport.conversations.actions import send_reply
from rapport.conversations.models import Conversation, Message
from rapport.core import audit
from rapport.core.errors import NotFound, ValidationFailed
from rapport.inboxes.adapters.email.addresses import clean_address
from rapport.inboxes.adapters.email.ingest import retry
from rapport.inboxes.adapters.email.models import EmailDetails, RawEmail
from rapport.inboxes.models import Inbox

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


def retry_raw_email(*, actor: User, inbox: Inbox, raw_id: int) -> RawEmail:
    """Process one of an e-mail inbox's stored but unprocessed mails again (after a fix)."""
    if inbox.kind != "email":
        raise ValidationFailed(f"{inbox} is not an e-mail inbox")
    raw = RawEmail.objects.select_related("inbox").filter(pk=raw_id, inbox=inbox).first()
    if raw is None:
        raise NotFound(f"mail {raw_id} not found in {inbox}")
    if raw.is_done:
        raise ValidationFailed("this mail was processed already")
    if not raw.size:  # a row whose bytes never arrived cannot be parsed
        raise ValidationFailed("this mail has no stored bytes to process")
    retry(raw)
    audit.record(actor=actor, verb="email.retried", obj=inbox, raw=raw.pk, state=raw.state)
    return raw
