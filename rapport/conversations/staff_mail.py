"""Sending a staff notification (an e-mail to an agent), for the outbox.

Registered with the outbox as the sender of "notification" deliveries
(``ConversationsConfig.ready``); ``notifications.py`` queues them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from rapport.core import encryption
from rapport.outbox import actions as outbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery, DeliveryKind
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
    if "encrypted_body" not in payload:
        return payload["body"]
    try:
        return encryption.decrypt(payload["encrypted_body"])
    except encryption.Undecryptable:
        raise DeliveryError(
            "the invitation's text opens with no configured encryption key (was "
            "RAPPORT_ENCRYPTION_KEY changed?); resend the invitation from Settings → Agents",
            permanent=True,
        ) from None


def reencrypt_invitation_mails() -> tuple[int, int]:
    """``rapport reencrypt``: the invitation texts in outbox rows under the current key.
    Returns (rewritten, unreadable); unreadable ones are left as they are."""
    rewritten = unreadable = 0
    rows = Delivery.objects.filter(
        kind=DeliveryKind.NOTIFICATION, payload__has_key="encrypted_body"
    )
    for pk, payload in rows.values_list("pk", "payload"):
        stored = payload["encrypted_body"]
        if encryption.decrypts_with_current_key(stored):
            continue
        try:
            fresh = {**payload, "encrypted_body": encryption.reencrypt(stored)}
        except encryption.Undecryptable:
            unreadable += 1
            continue
        # The sender only reads the payload, so nothing else writes it meanwhile.
        rewritten += Delivery.objects.filter(pk=pk).update(payload=fresh)
    return rewritten, unreadable
