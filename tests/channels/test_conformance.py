"""The conformance suite (``conformance.py``) run for every registered webhook channel.

``test_every_webhook_channel_runs_the_suite`` fails when a channel that takes webhooks
has no class in tests/channels/, so a new adapter gets the suite by registering.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from rapport.accounts.models import User
from rapport.conversations.models import Message
from rapport.inboxes import channels
from rapport.inboxes.adapters.sms import signature
from rapport.inboxes.models import Inbox
from tests.channels.conformance import Body, ProviderServer, Recorded, WebhookConformance
from tests.channels.twilio import ACCOUNT, TOKEN, TwilioApi
from tests.conftest import logged_in
from tests.email.conftest import shared_data

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
FORM = "application/x-www-form-urlencoded"
TWILIO_HOST = "https://api.twilio.com"
__all__ = ["ACCOUNT", "TOKEN"]


def twilio_vectors() -> list[dict[str, Any]]:
    path = shared_data("webhook-signature-vectors") / "vectors.json"
    cases: list[dict[str, Any]] = json.loads(path.read_text())["twilio"]["cases"]
    form_params = cases[0]["params"]
    for case in cases:
        if case.get("params") == "same as 'form params'":
            case["params"] = form_params
    return cases


class TestTwilioSms(WebhookConformance):
    kind = "sms"
    prefix = ""  # before both numbers: "whatsapp:" for WhatsApp through Twilio
    sample_file = "twilio_inbound_sms.json"

    @pytest.fixture(autouse=True)
    def twilio(self, twilio_api: TwilioApi) -> TwilioApi:
        """Twilio's API host (the keys are checked on save) and its media CDN, locally."""
        self.api = twilio_api
        return twilio_api

    @property
    def vectors(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return twilio_vectors()

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        page = logged_in(admin).post(
            f"/settings/inboxes/new/{self.kind}",
            {
                "name": "Texts",
                "account_sid": ACCOUNT,
                "auth_token": TOKEN,
                "sender": "MG00000000000000000000000000000042",
                "members": [agent.pk],
            },
        )
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind=self.kind)

    def vector_accepts(self, vector: dict[str, Any], given: str) -> bool:
        url = vector.get("url_received") or vector["url"]
        params = vector.get("params_list") or list((vector.get("params") or {}).items())
        return signature.matches(vector_token(), url, [tuple(p) for p in params], given)

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        """The documented sample, its media served by the local Twilio (same path)."""
        fixture = json.loads((FIXTURES / self.sample_file).read_text())
        fields = fixture["fields"]
        for name in [name for name in fields if name.startswith("MediaUrl")]:
            path = fields[name].removeprefix(TWILIO_HOST)
            fields[name] = self.api.add_file(path, b"\xff\xd8\xff\xe0 a photo", "image/jpeg")
        return (urlencode(fields).encode(), FORM), fixture["expected"]

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        fields = {
            "MessageSid": message_id,
            "SmsMessageSid": message_id,
            "AccountSid": ACCOUNT,
            "MessagingServiceSid": "MG00000000000000000000000000000042",
            "From": self.prefix + sender,
            "To": self.prefix + "+14155550177",  # any number of the service's pool
            "Body": text,
            "NumMedia": "0",
            "SmsStatus": "received",
        }
        return urlencode(fields).encode(), FORM

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        fields = {
            "MessageSid": external_id,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": ACCOUNT,
            "From": self.prefix + "+14155550177",
            "To": self.prefix + "+14155550123",
        }
        if status in ("failed", "undelivered"):
            fields["ErrorCode"] = "30003"
        return urlencode(fields).encode(), FORM

    def malformed(self, inbox: Inbox) -> Body:
        return urlencode({"MessageSid": "SMbroken", "AccountSid": ACCOUNT}).encode(), FORM

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        # Twilio's server decodes the form the same way (bytes that are not UTF-8 replaced).
        params = parse_qsl(body[0].decode(errors="replace"), keep_blank_values=True)
        url = f"http://127.0.0.1:8000/channels/{self.kind}/{inbox.public_key}"  # not Host's
        token = "not-the-token" if forged else TOKEN
        return {"HTTP_X_TWILIO_SIGNATURE": signature.compute(token, url, params)}

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        settings.TWILIO_API_BASE = provider.url

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        return 201, {}, {"sid": external_id, "status": "queued", "account_sid": ACCOUNT}

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        words = "The To number +14155550123 is not a valid mobile number"
        return (400, {}, {"code": 21614, "message": words, "status": 400}), words

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
        expected_auth = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected_auth}"
        assert dict(parse_qsl(request.body.decode())) == {
            "To": self.prefix + "+14155550123",
            "Body": reply.text,
            "MessagingServiceSid": "MG00000000000000000000000000000042",
            "StatusCallback": f"http://127.0.0.1:8000/channels/{self.kind}/{inbox.public_key}",
        }


def vector_token() -> str:
    path = shared_data("webhook-signature-vectors") / "vectors.json"
    return str(json.loads(path.read_text())["twilio"]["auth_token"])


class TestWhatsAppThroughTwilio(TestTwilioSms):
    kind = "whatsapp_twilio"
    prefix = "whatsapp:"
    sample_file = "twilio_inbound_whatsapp.json"

    def test_the_profile_name_names_the_customer(self, inbox, client):
        body, _ = self.sample(inbox)
        self.post(client, inbox, body)
        assert Message.objects.get().conversation.customer.name == "Ana Ruiz"


def suites() -> set[str]:
    """The kinds with a conformance class in any test module of this folder."""
    import importlib
    import pkgutil

    import tests.channels

    for module in pkgutil.iter_modules(tests.channels.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.channels.{module.name}")
    found: set[str] = set()
    waiting = list(WebhookConformance.__subclasses__())
    while waiting:
        suite = waiting.pop()
        found.add(suite.kind)
        waiting.extend(suite.__subclasses__())
    return found


def test_every_webhook_channel_runs_the_suite():
    webhook_kinds = {channel.kind for channel in channels.all_channels() if channel.takes_webhooks}
    missing = webhook_kinds - suites()
    assert not missing, f"add a conformance class (tests/channels/) for {missing}"
