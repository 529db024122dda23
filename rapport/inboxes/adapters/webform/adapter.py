"""Replies to web-form conversations go to the customer by e-mail."""

from __future__ import annotations

import smtplib
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from rapport.conversations.models import Delivery, Message
from rapport.inboxes.adapters import DeliveryError


def conversation_message_id(message: Message) -> str:
    """A stable Message-ID, so a retried send is recognisably the same mail."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1]
    return f"<rapport.{message.conversation_id}.{message.pk}@{domain}>"


def safe_display_name(name: str) -> str:
    # A name is data, never header syntax: drop control characters (CR/LF injection).
    return "".join(ch for ch in name if ch.isprintable())[:80]


class WebFormAdapter:
    def send(self, delivery: Delivery, message: Message) -> str:
        conversation = message.conversation
        customer = conversation.customer
        if not customer.email:
            raise DeliveryError("the customer has no e-mail address to reply to", permanent=True)
        inbox = conversation.inbox
        from_address = inbox.setting("from_email") or settings.DEFAULT_FROM_EMAIL
        sender = str(Address(display_name=safe_display_name(inbox.name), addr_spec=from_address))
        to = str(Address(display_name=safe_display_name(customer.name), addr_spec=customer.email))
        subject = conversation.subject or f"Your message to {inbox.name}"
        message_id = conversation_message_id(message)
        body = message.text
        if message.author and message.author.signature:
            body = f"{body}\n\n-- \n{message.author.signature}"
        mail = EmailMultiAlternatives(
            subject=f"Re: {safe_display_name(subject)} [#{conversation.pk}]",
            body=body,
            from_email=sender,
            to=[to],
            headers={"Message-ID": message_id, "X-Rapport-Conversation": str(conversation.pk)},
        )
        for attachment in message.attachments.all():
            mail.attach(attachment.filename, attachment.file.read(), attachment.content_type)
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
        return message_id
