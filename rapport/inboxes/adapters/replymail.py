"""Replies that leave by e-mail: shared by every channel whose fallback is the customer's inbox.

The web form always answers by e-mail; live chat does when the visitor has left. Each
message gets a Message-ID derived from its ids, stable across retries, so a resend is
recognisably the same mail and the customer's answer (``In-Reply-To``/``References``)
leads the e-mail channel back to the same conversation.
"""

from __future__ import annotations

import smtplib
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from rapport.conversations.models import Direction, Message
from rapport.inboxes.adapters import DeliveryError


def conversation_message_id(message: Message) -> str:
    """A stable Message-ID: ``<rapport.<conversation id>.<message id>@<domain>>``."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
    return f"<rapport.{message.conversation_id}.{message.pk}@{domain}>"


def safe_display_name(name: str) -> str:
    # A name is data, never header syntax: drop control characters (CR/LF injection).
    return "".join(ch for ch in name if ch.isprintable())[:80]


def _thread_headers(message: Message) -> dict[str, str]:
    """In-Reply-To/References: our earlier mail in the conversation, so clients thread it."""
    earlier = (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            direction=Direction.OUTBOUND,
            pk__lt=message.pk,
        )
        .order_by("-pk")
        .first()
    )
    if earlier is None:
        return {}
    parent = conversation_message_id(earlier)
    return {"In-Reply-To": parent, "References": parent}


def send_reply_email(
    message: Message, *, to_email: str, to_name: str, default_subject: str, footer: str = ""
) -> str:
    """Send an agent's reply as a plain-text e-mail; return its Message-ID.

    Raises ``DeliveryError``: permanent when the address is refused (5xx), else transient.
    """
    conversation = message.conversation
    inbox = conversation.inbox
    from_address = inbox.setting("from_email") or settings.DEFAULT_FROM_EMAIL
    sender = str(Address(display_name=safe_display_name(inbox.name), addr_spec=from_address))
    to = str(Address(display_name=safe_display_name(to_name), addr_spec=to_email))
    subject = conversation.subject or default_subject
    message_id = conversation_message_id(message)
    body = message.text
    if message.author and message.author.signature:
        body = f"{body}\n\n-- \n{message.author.signature}"
    if footer:
        body = f"{body}\n\n{footer}"
    headers = {"Message-ID": message_id, "X-Rapport-Conversation": str(conversation.pk)}
    headers |= _thread_headers(message)
    reply_to = inbox.setting("reply_to")
    mail = EmailMultiAlternatives(
        subject=f"Re: {safe_display_name(subject)} [#{conversation.pk}]",
        body=body,
        from_email=sender,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    for attachment in message.attachments.all():
        mail.attach(attachment.filename, attachment.file.read(), attachment.content_type)
    _send(mail)
    return message_id


def _send(mail: EmailMultiAlternatives) -> None:
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"recipient refused: {error.recipients}", permanent=True) from None
    except smtplib.SMTPResponseException as error:
        permanent = 500 <= error.smtp_code < 600
        raise DeliveryError(
            f"mail server answered {error.smtp_code}: {error.smtp_error!r}", permanent=permanent
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"mail server unreachable: {error}") from None
