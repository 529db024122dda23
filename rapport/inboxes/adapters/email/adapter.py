"""Sending replies of e-mail conversations: through the inbox's SMTP server or the site's.

Temporary SMTP trouble (4xx, connection refused, timeouts) raises a retryable
DeliveryError; a 5xx answer, a bouncing address or a bad address a permanent one.
"sent" is recorded by the outbox only after the server accepted the mail.
"""

from __future__ import annotations

import smtplib
import ssl

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email.bounces import is_bouncing
from rapport.inboxes.adapters.email.config import EmailInboxConfig, load_config
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.outbound import Threading, build_mail, threading_for
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery


def smtp_connection(config: EmailInboxConfig) -> BaseEmailBackend:
    """The inbox's own SMTP server, or the site's e-mail backend (SMTP or anymail)."""
    if config.smtp is None:
        return get_connection()
    smtp = config.smtp
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=smtp.host,
        port=smtp.port,
        username=smtp.username or None,
        password=smtp.secret() or None,
        use_tls=smtp.security == "starttls",
        use_ssl=smtp.security == "tls",
        timeout=smtp.timeout,
    )


class EmailAdapter:
    def send(self, delivery: Delivery, message: Message) -> str:
        conversation = message.conversation
        try:
            config = load_config(conversation.inbox)
        except ValidationFailed as error:
            raise DeliveryError(error.message, permanent=True) from None
        recipient = conversation.customer.email
        if not recipient:
            raise DeliveryError("the customer has no e-mail address", permanent=True)
        if is_bouncing(recipient):
            raise DeliveryError(f"{recipient} is bouncing; not sent", permanent=True)
        details = EmailDetails.objects.filter(message=message).first()
        automatic = bool(details and details.is_automatic)
        cc = list(details.cc) if details else []
        domain = config.from_address.rsplit("@", 1)[-1]
        threading = threading_for(message, domain)
        mail = build_mail(
            message=message,
            config=config,
            recipient=recipient,
            cc=cc,
            threading=threading,
            automatic=automatic,
        )
        self._remember(message, details, threading, str(mail.subject), recipient, cc)
        _send(mail, smtp_connection(config))
        return f"<{threading.message_id}>"

    @staticmethod
    def _remember(
        message: Message,
        details: EmailDetails | None,
        threading: Threading,
        subject: str,
        recipient: str,
        cc: list[str],
    ) -> None:
        """Store the threading headers before sending, so a reply to it can be matched."""
        fields = {
            "message_id_header": threading.message_id[:255],
            "in_reply_to": threading.in_reply_to[:255],
            "references": " ".join(threading.references)[:5000],
            "subject": subject[:255],
            "to": [recipient],
        }
        if details is None:
            EmailDetails.objects.create(
                message=message, inbox_id_copy=message.inbox_id, cc=cc, **fields
            )
        else:
            EmailDetails.objects.filter(pk=details.pk).update(**fields)


def _send(mail: EmailMessage, connection: BaseEmailBackend) -> None:
    mail.connection = connection
    try:
        sent = mail.send()
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        permanent = all(500 <= code < 600 for code in codes)
        raise DeliveryError(f"recipient refused: {error.recipients}", permanent=permanent) from None
    except smtplib.SMTPResponseException as error:
        permanent = 500 <= error.smtp_code < 600
        raise DeliveryError(
            f"mail server answered {error.smtp_code}: {error.smtp_error!r}", permanent=permanent
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as error:
        raise DeliveryError(f"mail server unreachable: {error}") from None
    if not sent:
        raise DeliveryError("the mail backend did not accept the message")
