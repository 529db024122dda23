"""Signed, expiring links to one reply attachment, for a provider to fetch it.

Twilio (and other providers that take media by URL) fetches a reply's files from a public
URL when it sends them. The link names one attachment of an outgoing message, is signed
with the site's secret (Django's ``signing``, its own salt) and expires after
``MAX_AGE_SECONDS``: long enough for the provider's fetch and its retries, short enough
that a link copied from a log does not serve the file for long. A changed link is refused.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from rapport.conversations.models import Attachment, Direction

SALT = "rapport.conversations.shared-attachment"
MAX_AGE_SECONDS = 2 * 3600


def shared_attachment_url(attachment: Attachment) -> str:
    """The public URL (``SITE_URL``) of one reply attachment, signed and expiring."""
    signed = signing.dumps(attachment.pk, salt=SALT)
    return settings.SITE_URL + reverse("attachment_shared", args=[signed, attachment.filename])


def shared_attachment(signed: str) -> Attachment | None:
    """The attachment a link names, if the link is ours, unchanged and not expired, and
    the file belongs to a reply (customers' own files are never shared this way)."""
    try:
        attachment_id = int(signing.loads(signed, salt=SALT, max_age=MAX_AGE_SECONDS))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return Attachment.objects.filter(
        pk=attachment_id, message__direction=Direction.OUTBOUND
    ).first()
