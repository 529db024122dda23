"""Sending a staff notification (an e-mail to an agent), for the outbox.

Registered with the outbox as the sender of "notification" deliveries
(``ConversationsConfig.ready``); ``notifications.py`` queues them.
"""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage

from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery


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
