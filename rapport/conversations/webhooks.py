"""Signed outbound webhooks.

Each request carries ``X-Rapport-Signature: t=<unix time>,v1=<hex HMAC-SHA256>`` computed
over ``"<t>.<body>"`` with the subscriber's secret (the scheme Stripe uses), so receivers
can check both who sent it and that it is fresh. ``X-Rapport-Delivery`` is the same on
every retry of one delivery: receivers use it to ignore duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from rapport.inboxes.adapters import DeliveryError

TIMEOUT_SECONDS = 10


def signature(secret: str, body: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """Check a signature header (what a receiver does); exposed for tests and SDKs."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    return hmac.compare_digest(expected, header)


def post_json(*, url: str, secret: str, payload: dict[str, Any], delivery_id: int) -> str:
    """POST ``payload``; raise a permanent DeliveryError on 4xx, a temporary one otherwise."""
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    request = urllib.request.Request(  # noqa: S310 — only http(s) URLs are accepted in config
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Rapport-Webhook/1",
            "X-Rapport-Delivery": str(delivery_id),
            "X-Rapport-Signature": signature(secret, body, int(time.time())),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return str(response.headers.get("X-Message-Id", ""))
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in (408, 429)
        raise DeliveryError(f"webhook answered HTTP {error.code}", permanent=permanent) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"webhook unreachable: {reason}") from None


def post_signed(delivery: Any) -> str:
    """Send a webhook-kind delivery whose payload holds url, secret and body."""
    payload = delivery.payload
    return post_json(
        url=payload["url"],
        secret=payload["secret"],
        payload=payload["body"],
        delivery_id=delivery.pk,
    )
