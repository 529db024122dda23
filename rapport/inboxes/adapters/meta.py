"""What Meta's three messaging products share: WhatsApp Cloud API, Messenger and Instagram.

Each inbox is one Meta app's webhook subscription (the URL and verify token pasted into the
app's dashboard). Meta checks the URL with a GET carrying ``hub.mode=subscribe``, the
verify token and a challenge to echo; every POST is signed ``X-Hub-Signature-256:
sha256=<hex HMAC-SHA256(app secret, raw body)>``. Replies go to the Graph API, whose base
URL is the setting ``META_GRAPH_API_BASE`` so tests run against a local server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from rapport.core.errors import ValidationFailed
from rapport.inboxes.channels import Channel, InboundRefused
from rapport.inboxes.models import Inbox

SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return "sha256=" + digest


def signature_matches(app_secret: str, body: bytes, given: str) -> bool:
    """Whether ``given`` is Meta's signature of ``body`` (constant-time compare)."""
    if not app_secret or not given:
        return False
    return hmac.compare_digest(signature(app_secret, body).encode(), given.strip().encode())


def handshake(request: HttpRequest, verify_token: str) -> HttpResponse:
    """Meta's check of a new callback URL: echo ``hub.challenge`` when the token is ours."""
    given = request.GET.get("hub.verify_token", "")
    mode = request.GET.get("hub.mode", "")
    if mode != "subscribe" or not verify_token:
        return JsonResponse({"error": "expected hub.mode=subscribe from Meta"}, status=400)
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return JsonResponse(
            {"error": "hub.verify_token is not this inbox's verify token"}, status=403
        )
    challenge = request.GET.get("hub.challenge", "")[:200]
    return HttpResponse(challenge, content_type="text/plain")


class MetaChannel(Channel):
    """A channel fed by a Meta app's webhooks; config holds ``app_secret`` and
    ``verify_token``. Subclasses add their settings form, ``parse`` and ``send``."""

    takes_webhooks = True
    kept_headers = (SIGNATURE_HEADER,)

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        secret = str(inbox.setting("app_secret", ""))
        if not signature_matches(secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            raise InboundRefused(f"the {SIGNATURE_HEADER} does not match this inbox's app secret")

    def handshake(self, request: HttpRequest, inbox: Inbox) -> HttpResponse:
        return handshake(request, str(inbox.setting("verify_token", "")))

    def clean_secrets(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, str]:
        """The app secret and verify token to store; blank keeps the stored ones."""
        secrets = {}
        for name, words in (("app_secret", "app secret"), ("verify_token", "verify token")):
            value = str(values.get(name) or "").strip() or str(previous.get(name, ""))
            if not value:
                raise ValidationFailed(f"the {words} is needed (in the Meta app's dashboard)")
            secrets[name] = value
        return secrets
