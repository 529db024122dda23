"""Sending a staff notification (an e-mail to an agent), for the outbox.

Registered with the outbox as the sender of "notification" deliveries
(``ConversationsConfig.ready``); ``notifications.py`` queues them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from rapport.conversations.notifications import INVITATION_TEXT
from rapport.core import encryption
from rapport.outbox import actions as outbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery
from rapport.outbox.smtp import send_once, site_server


def send_notification(delivery: Delivery) -> str:
    """Send a staff notification through the site's mail server, at most once."""
    payload = delivery.payload
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    key = f"<rapport.notification.{delivery.pk}@{domain}>"  # the same on every attempt
    mail = EmailMessage(subject=payload["subject"], body=_body(payload), to=[payload["to"]])
    mail.extra_headers |= {"Auto-Submitted": "auto-generated", "Message-ID": key}
    send_once(mail, site_server(), handing_over=lambda: outbox.handing_over(delivery, key=key))
    return key


def _body(payload: dict[str, str]) -> str:
    """The mail's text; an invitation's is stored encrypted (``notifications.py``)."""
    if INVITATION_TEXT not in payload:
        return payload["body"]
    try:
        return encryption.decrypt(payload[INVITATION_TEXT])
    except encryption.Undecryptable:
        raise DeliveryError(
            "the invitation's text opens with no configured encryption key (was "
            "RAPPORT_ENCRYPTION_KEY changed?); resend the invitation from Settings → Agents",
            permanent=True,
        ) from None
