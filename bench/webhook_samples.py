"""Signed webhook requests per channel, for ``bench/webhooks.py``: the one place to add a channel.

A channel that takes webhooks (``Channel.takes_webhooks``) joins the benchmark with one
entry in ``SAMPLES``: the inbox settings its ``verify`` needs and a customer's message
signed as the provider signs it. ``tests/test_bench_quick.py`` fails for a registered
webhook channel without an entry, and posts each sample to the real endpoint (200, stored),
so a sample can't drift from what the channel accepts.

Adding one is a few lines: a class with ``config`` and ``message`` (``TwilioSample`` and
``MetaSample`` below), and its kind in ``SAMPLES``. A channel whose processing calls the
provider (Messenger's profile look-up) is pointed at a closed local port by the benchmark
(``bench/webhooks.py``: ``META_GRAPH_API_BASE``), so nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

TWILIO_ACCOUNT = "AC00000000000000000000000000000001"
TWILIO_TOKEN = "b" * 32
TWILIO_SERVICE = "MG00000000000000000000000000000042"
META_SECRET = "bench-meta-app-secret"  # noqa: S105  (a benchmark's throw-away inbox)
META_ACCOUNT = "106712345678901"  # the Page (Messenger) or Instagram account id


@dataclass(frozen=True)
class Signed:
    """One request as the provider sends it; ``headers`` named as on the wire."""

    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Sample(Protocol):
    @property
    def config(self) -> dict[str, Any]:
        """The inbox's settings (``Inbox.config``) that its ``verify`` needs."""
        ...

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        """Customer number ``customer`` writes ``text``; ``url`` is the inbox's public
        webhook URL (``SITE_URL`` + ``/channels/<kind>/<key>``), which some providers sign."""
        ...


@dataclass(frozen=True)
class TwilioSample:
    """SMS and WhatsApp through Twilio: a form, ``X-Twilio-Signature`` over URL + fields."""

    prefix: str = ""  # before both numbers: "whatsapp:" for WhatsApp
    config: dict[str, Any] = field(
        default_factory=lambda: {
            "account_sid": TWILIO_ACCOUNT,
            "auth_token": TWILIO_TOKEN,
            "messaging_service_sid": TWILIO_SERVICE,
        }
    )

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        from rapport.inboxes.adapters.sms import signature

        fields = {
            "MessageSid": message_id,
            "SmsMessageSid": message_id,
            "AccountSid": TWILIO_ACCOUNT,
            "MessagingServiceSid": TWILIO_SERVICE,
            "From": f"{self.prefix}+1415{customer:07d}",
            "To": f"{self.prefix}+14155550177",
            "Body": text,
            "NumMedia": "0",
            "SmsStatus": "received",
        }
        signed = signature.compute(TWILIO_TOKEN, url, list(fields.items()))
        return Signed(
            urlencode(fields).encode(),
            "application/x-www-form-urlencoded",
            {"X-Twilio-Signature": signed},
        )


@dataclass(frozen=True)
class MetaSample:
    """Messenger and Instagram: one event in Meta's JSON envelope, ``X-Hub-Signature-256``
    (HMAC-SHA256 of the body with the app secret)."""

    object_name: str  # "page" for Messenger, "instagram"
    config: dict[str, Any] = field(
        default_factory=lambda: {
            "page_id": META_ACCOUNT,
            "page_token": "bench-page-token",
            "app_secret": META_SECRET,
            "verify_token": "bench-verify-token",
        }
    )

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        now = int(time.time() * 1000)
        event = {
            "sender": {"id": str(customer)},
            "recipient": {"id": META_ACCOUNT},
            "timestamp": now,
            "message": {"mid": message_id, "text": text},
        }
        entry = {"id": META_ACCOUNT, "time": now, "messaging": [event]}
        body = json.dumps({"object": self.object_name, "entry": [entry]}).encode()
        digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return Signed(body, "application/json", {"X-Hub-Signature-256": f"sha256={digest}"})


SAMPLES: dict[str, Sample] = {
    "sms": TwilioSample(),
    "whatsapp_twilio": TwilioSample(prefix="whatsapp:"),
    "messenger": MetaSample(object_name="page"),
    "instagram": MetaSample(object_name="instagram"),
}
