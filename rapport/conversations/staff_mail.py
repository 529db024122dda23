"""Sending a staff notification (an e-mail to an agent), for the outbox.

Registered with the outbox as the sender of "notification" deliveries
(``ConversationsConfig.ready``); ``notifications.py`` queues them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery
from rapport.outbox.smtp import send_once, site_server


def send_notification(delivery: Delivery) -> str:
    """Send a staff notification through the site's mail server, at most once."""
    payload = delivery.payload
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")
    key = f"<rapport.notification.{delivery.pk}@{domain}>"  # the same on every attempt
    mail = EmailMessage(subject=payload["subject"], body=payload["body"], to=[payload["to"]])
    mail.extra_headers |= {"Auto-Submitted": "auto-generated", "Message-ID": key}
    send_once(mail, site_server(), handing_over=lambda: outbox.handing_over(delivery, key=key))
    return key
