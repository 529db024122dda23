"""Showing a mail's HTML: inline cid images from attachments, remote images only on request."""

from __future__ import annotations

import nh3
from django.urls import NoReverseMatch, reverse

from rapport.core.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from rapport.inboxes.adapters.email.models import EmailDetails


def body_html(details: EmailDetails, *, original: bool = False) -> str:
    """The stored (already sanitised) HTML, re-cleaned with cid: and remote images resolved."""
    html = details.html_original if original or not details.message.html else details.message.html
    allow_remote = details.remote_images_allowed
    inline = {str(cid): int(attachment) for cid, attachment in details.inline_images.items()}

    def image_source(tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        if value.startswith("cid:"):
            attachment = inline.get(value[4:].strip("<>"))
            return _attachment_url(attachment) if attachment else None
        if value.startswith(("http:", "https:", "//")):
            return value if allow_remote else None  # blocked: no tracking pixel, no leak
        return None

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=image_source,
    )


def _attachment_url(attachment_id: int) -> str | None:
    try:
        return reverse("attachment", args=[attachment_id])
    except NoReverseMatch:
        return None


def frame_policy(details: EmailDetails) -> str:
    """The CSP of the sandboxed frame that shows the mail: no script, images as allowed."""
    images = "'self' data: https: http:" if details.remote_images_allowed else "'self' data:"
    return (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    )
