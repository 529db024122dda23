"""A local stand-in for Twilio's API host and its media CDN, for the Twilio channels' tests.

``api`` answers the credential check (``GET /2010-04-01/Accounts/{sid}.json``) and, for
each file added, a 307 redirect to ``cdn`` — as Twilio answers a MediaUrl or a
recording's URL — which serves the bytes. The CDN listens on another loopback address
(127.0.0.2), so it is another host, reached only through the SSRF guard (allowed there
by ``RAPPORT_WEBHOOK_ALLOW_HOSTS``, as the tests' receivers are).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.conformance import ProviderServer

ACCOUNT = "AC00000000000000000000000000000001"
TOKEN = "f" * 32
CDN_HOST = "127.0.0.2"


class TwilioApi:
    def __init__(self) -> None:
        self.api = ProviderServer(answers=[(201, {}, {"sid": "SMany", "status": "queued"})])
        self.cdn = ProviderServer(host=CDN_HOST)
        self.account(ACCOUNT, 200)

    def account(self, sid: str, status: int) -> None:
        payload = {"sid": sid, "status": "active"} if status == 200 else {"status": status}
        self.api.files[f"/2010-04-01/Accounts/{sid}.json"] = (
            status,
            {"Content-Type": "application/json"},
            json.dumps(payload).encode(),
        )

    def media_path(self, name: str) -> str:
        return f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SMmedia/Media/{name}"

    def add_file(self, api_path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``api_path`` through a redirect to the CDN; its full URL."""
        cdn_path = "/cdn" + api_path
        self.api.files[api_path] = (307, {"Location": self.cdn.url + cdn_path}, b"")
        self.cdn.files[cdn_path] = (200, {"Content-Type": content_type}, body)
        return self.api.url + api_path

    def start(self) -> None:
        self.api.start()
        self.cdn.start()

    def stop(self) -> None:
        self.api.stop()
        self.cdn.stop()


@pytest.fixture
def twilio_api(settings: Any) -> Iterator[TwilioApi]:
    twilio = TwilioApi()
    twilio.start()
    settings.TWILIO_API_BASE = twilio.api.url
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = [CDN_HOST]
    yield twilio
    twilio.stop()
