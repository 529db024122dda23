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
from typing import Any

from rapport.core import safe_http
from rapport.outbox.errors import DeliveryError

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
    """POST ``payload``; raise a permanent DeliveryError on 4xx, a temporary one otherwise.

    The URL is checked again here, after DNS resolution (``core.safe_http``): it may have
    been saved before the check existed, or its name may resolve elsewhere today. A
    redirect is not followed; it fails the delivery for good, like a 4xx.
    """
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Rapport-Webhook/1",
        "X-Rapport-Delivery": str(delivery_id),
        "X-Rapport-Signature": signature(secret, body, int(time.time())),
    }
    try:
        answer = safe_http.post(url, body=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except safe_http.Unresolvable as error:  # DNS may be back on the next attempt
        raise DeliveryError(f"webhook unreachable: {error.message}") from None
    except safe_http.UnsafeURL as error:
        raise DeliveryError(f"webhook refused: {error.message}", permanent=True) from None
    except OSError as error:
        raise DeliveryError(f"webhook unreachable: {error}") from None
    if 300 <= answer.status < 400:
        raise DeliveryError(
            f"webhook answered HTTP {answer.status}; redirects are not followed", permanent=True
        )
    if answer.status >= 400:
        permanent = answer.status < 500 and answer.status not in (408, 429)
        raise DeliveryError(f"webhook answered HTTP {answer.status}", permanent=permanent)
    return str(answer.headers.get("X-Message-Id", ""))


def post_signed(delivery: Any) -> str:
    """Send a webhook-kind delivery whose payload holds url, secret and body."""
    payload = delivery.payload
    return post_json(
        url=payload["url"],
        secret=payload["secret"],
        payload=payload["body"],
        delivery_id=delivery.pk,
    )
