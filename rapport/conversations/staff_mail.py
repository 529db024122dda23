"""Sending a staff notification (an e-mail to an agent), for the outbox.

Apart from ``notifications.py``, which queues them: the outbox calls this module, and
notifications calls the outbox, so together they were an import cycle.
"""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage

from rapport.conversations.models import Delivery
from rapport.inboxes.adapters import DeliveryError


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
