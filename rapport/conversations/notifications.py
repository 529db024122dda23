"""E-mail notifications to staff (mentions, invitations), sent through the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from rapport.accounts.events import InvitationMailed
from rapport.accounts.models import User
from rapport.conversations.events import NoteAdded
from rapport.conversations.models import Message
from rapport.core import encryption
from rapport.outbox import actions as outbox
from rapport.outbox.models import DeliveryKind

# The payload key of an invitation mail's text, encrypted (read by ``staff_mail.py``).
INVITATION_TEXT = "encrypted_body"


def notify_mentions(event: NoteAdded) -> None:
    """Subscriber: e-mail every staff member mentioned in a note."""
    if not event.mentioned_user_ids:
        return
    note = Message.objects.select_related("author", "conversation").get(pk=event.message_id)
    link = f"{settings.SITE_URL}/conversations/{note.conversation_id}"
    with transaction.atomic():
        for user in User.objects.filter(pk__in=event.mentioned_user_ids, is_active=True):
            outbox.queue(
                kind=DeliveryKind.NOTIFICATION,
                payload={
                    "to": user.email,
                    "subject": f"{note.author} mentioned you in #{note.conversation_id}",
                    "body": f"{note.author} wrote:\n\n{note.text}\n\nOpen it: {link}\n",
                },
            )


def mail_invitation(event: InvitationMailed) -> None:
    """Subscriber: queue an invitation's e-mail (accounts has no outbox of its own).

    The body holds the one-time link, which opens a seat: the outbox row keeps it
    encrypted (core/encryption.py), so a database backup holds no usable link."""
    with transaction.atomic():
        outbox.queue(
            kind=DeliveryKind.NOTIFICATION,
            payload={
                "to": event.to,
                "subject": event.subject,
                INVITATION_TEXT: encryption.encrypt(event.body),
            },
        )
