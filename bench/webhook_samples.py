"""Signed webhook requests per channel, for ``bench/webhooks.py``: the one place to add a channel.

A channel that takes webhooks (``Channel.takes_webhooks``) joins the benchmark with one
entry in ``SAMPLES``: the inbox settings its ``verify`` needs and a customer's message
signed as the provider signs it. ``tests/test_bench_quick.py`` fails for a registered
webhook channel without an entry, and posts each sample to the real endpoint (200, stored),
so a sample can't drift from what the channel accepts.

Adding one is a few lines: a class with ``config`` and ``message`` (``TwilioSample`` and
``MetaSample`` below), and its kind in ``SAMPLES``. A channel whose processing calls the
provider (Messenger's profile look-up) is pointed at a closed local port by the benchmark
(``bench/webhooks.py``: ``META_GRAPH_API_BASE`` and the others), so nothing leaves the
machine.
"""

from __future__ import annotations

import base64
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
TELEGRAM_SECRET = "bench-telegram-secret-token"  # noqa: S105
X_SECRET = "bench-x-consumer-secret"  # noqa: S105
X_ACCOUNT = "4337869213"  # the subscribed account (for_user_id)


def number(message_id: str) -> int:
    """A provider's numeric id for the benchmark's message id (Telegram counts in ints)."""
    return int(hashlib.sha256(message_id.encode()).hexdigest()[:12], 16)


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
class VoiceSample:
    """A phone call through Twilio Voice that nobody answered: <Dial>'s action callback
    (``DialCallStatus=no-answer``), signed like the SMS form. It becomes a "Missed call"
    message (the call's own words, not ``text``: ``expects``)."""

    expects: str = "Missed call from"
    config: dict[str, Any] = field(
        default_factory=lambda: {
            "account_sid": TWILIO_ACCOUNT,
            "auth_token": TWILIO_TOKEN,
            "phone_number": "+14155550177",
            "forward_to": ["+14155550199"],
        }
    )

    def shown(self, customer: int) -> str:
        """The missed call's preview: its words and the caller's number."""
        return f"{self.expects} +1415{customer:07d}"

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        from rapport.inboxes.adapters.sms import signature

        call_sid = "CA" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
        fields = {
            "AccountSid": TWILIO_ACCOUNT,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "From": f"+1415{customer:07d}",
            "To": "+14155550177",
            "DialCallStatus": "no-answer",
            "DialCallDuration": "0",
            "DialCallSid": "CA" + hashlib.sha256(call_sid.encode()).hexdigest()[:32],
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


@dataclass(frozen=True)
class WhatsAppCloudSample:
    """WhatsApp Cloud API: a ``whatsapp_business_account`` change with one text message,
    signed as Meta signs (``X-Hub-Signature-256``)."""

    config: dict[str, Any] = field(
        default_factory=lambda: {
            "phone_number_id": "106540352242922",
            "access_token": "bench-access-token",
            "app_secret": META_SECRET,
            "verify_token": "bench-verify-token",
        }
    )

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        wa_id = f"1415{customer:07d}"
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "15550783881",
                "phone_number_id": "106540352242922",
            },
            "contacts": [{"profile": {"name": f"Customer {customer}"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
        change = {"field": "messages", "value": value}
        post = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
        body = json.dumps(post).encode()
        digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return Signed(body, "application/json", {"X-Hub-Signature-256": f"sha256={digest}"})


@dataclass(frozen=True)
class TelegramSample:
    """A Bot API update posted to the webhook, with the ``secret_token`` given to
    ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``."""

    config: dict[str, Any] = field(
        default_factory=lambda: {"bot_token": "1:bench", "secret_token": TELEGRAM_SECRET}
    )

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        person = {"id": customer, "is_bot": False, "first_name": f"Customer {customer}"}
        message = {
            "message_id": number(message_id),
            "date": int(time.time()),
            "chat": {"id": customer, "type": "private", "first_name": person["first_name"]},
            "from": person,
            "text": text,
        }
        body = json.dumps({"update_id": number(message_id), "message": message}).encode()
        return Signed(
            body, "application/json", {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        )


@dataclass(frozen=True)
class XSample:
    """An Account Activity delivery: one ``message_create`` direct message event, signed
    ``x-twitter-webhooks-signature: sha256=base64(HMAC-SHA256(consumer secret, body))``."""

    config: dict[str, Any] = field(
        default_factory=lambda: {"consumer_secret": X_SECRET, "account_id": X_ACCOUNT}
    )

    def message(self, url: str, customer: int, text: str, message_id: str) -> Signed:
        sender = str(customer)
        event = {
            "type": "message_create",
            "id": message_id,
            "created_timestamp": str(int(time.time() * 1000)),
            "message_create": {
                "target": {"recipient_id": X_ACCOUNT},
                "sender_id": sender,
                "message_data": {"text": text},
            },
        }
        users = {sender: {"id": sender, "name": f"Customer {customer}", "screen_name": "c"}}
        payload = {"for_user_id": X_ACCOUNT, "direct_message_events": [event], "users": users}
        body = json.dumps(payload).encode()
        digest = hmac.new(X_SECRET.encode(), body, hashlib.sha256).digest()
        signed = "sha256=" + base64.b64encode(digest).decode()
        return Signed(body, "application/json", {"x-twitter-webhooks-signature": signed})


SAMPLES: dict[str, Sample] = {
    "sms": TwilioSample(),
    "whatsapp_twilio": TwilioSample(prefix="whatsapp:"),
    "messenger": MetaSample(object_name="page"),
    "instagram": MetaSample(object_name="instagram"),
    "whatsapp": WhatsAppCloudSample(),
    "telegram": TelegramSample(),
    "x": XSample(),
    "voice": VoiceSample(),
}
