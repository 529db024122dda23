"""Signed webhook requests per channel, for ``bench/webhooks.py``: the one place to add a channel.

A channel that takes webhooks (``Channel.takes_webhooks``) joins the benchmark with one
entry in ``SAMPLES``: the inbox settings its ``verify`` needs and a customer's message
signed as the provider signs it. ``tests/test_bench_quick.py`` fails for a registered
webhook channel without an entry, and posts each sample to the real endpoint (200, stored),
so a sample can't drift from what the channel accepts.

Adding one (a Meta channel, say) is a few lines::

    class MetaSample:
        config = {"app_secret": SECRET, ...}

        def message(self, url, customer, text, message_id):
            body = json.dumps({...}).encode()
            digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            return Signed(body, "application/json", {"X-Hub-Signature-256": f"sha256={digest}"})

    SAMPLES["whatsapp"] = MetaSample()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

TWILIO_ACCOUNT = "AC00000000000000000000000000000001"
TWILIO_TOKEN = "b" * 32
TWILIO_SERVICE = "MG00000000000000000000000000000042"


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


SAMPLES: dict[str, Sample] = {
    "sms": TwilioSample(),
    "whatsapp_twilio": TwilioSample(prefix="whatsapp:"),
}
