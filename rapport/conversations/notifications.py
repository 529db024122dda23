"""E-mail notifications to staff (mentions), sent through the outbox."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from rapport.accounts.models import User
from rapport.conversations import outbox
from rapport.conversations.events import NoteAdded
from rapport.conversations.models import Delivery, DeliveryKind, Message
from rapport.inboxes.adapters import DeliveryError


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


def send_notification(delivery: Delivery) -> str:
    payload = delivery.payload
    mail = EmailMessage(subject=payload["subject"], body=payload["body"], to=[payload["to"]])
    mail.extra_headers["Auto-Submitted"] = "auto-generated"
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"address refused: {error}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"mail server: {error}") from None
    return str(mail.extra_headers.get("Message-ID", ""))
