"""Sending replies of e-mail conversations: through the inbox's SMTP server or the site's.

Temporary SMTP trouble (4xx, connection refused, timeouts) raises a retryable
DeliveryError; a 5xx answer, a bouncing address or a bad address a permanent one; a lost
answer after the whole mail was handed over an ambiguous one (``outbox.smtp``). The
Message-ID is signed from the message's ids, so every attempt carries the same one.
"""

from __future__ import annotations

from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email import health
from rapport.inboxes.adapters.email.bounces import is_bouncing
from rapport.inboxes.adapters.email.config import EmailInboxConfig, load_config
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.outbound import Threading, build_mail, threading_for
from rapport.outbox import actions as outbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery
from rapport.outbox.smtp import SmtpServer, send_once, site_server


def smtp_server(config: EmailInboxConfig) -> SmtpServer | None:
    """The inbox's own SMTP server, else the site's (None: a non-SMTP backend, e.g. anymail)."""
    if config.smtp is None:
        return site_server()
    smtp = config.smtp
    return SmtpServer(
        host=smtp.host,
        port=smtp.port,
        security=smtp.security,
        username=smtp.username,
        password=smtp.secret(),
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
        key = f"<{threading.message_id}>"  # the same on every attempt: stored before sending
        handing_over = lambda: outbox.handing_over(delivery, key=key)  # noqa: E731
        try:
            send_once(mail, smtp_server(config), handing_over=handing_over)
        except DeliveryError as error:
            if not error.permanent:  # the server's trouble, not one address's
                health.record_send(message.inbox_id, str(error))
            raise
        health.record_send(message.inbox_id)
        return key

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
