"""Providers' webhooks skip the agent app's middleware.

``/channels/<kind>/<public key>`` (``inboxes/inbound.py``) is posted by SMS gateways and
messengers, never by a browser: it reads no session and no user, takes no CSRF token (its
requests are signed), sets no flash message, and answers no HTML to frame or to guard
with a content policy. Listed right after Django's ``SecurityMiddleware`` (which still
redirects plain HTTP when ``SECURE_SSL_REDIRECT`` is on), this answers those URLs itself
and hands every other request on. The same URL stays in ``config/urls.py`` for
``reverse`` and for a settings file without this middleware.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from rapport.inboxes.inbound import inbound

# The URL pattern's <slug:kind>/<str:public_key>, as Django's path converters match them.
WEBHOOK_PATH = re.compile(r"/channels/(?P<kind>[-a-zA-Z0-9_]+)/(?P<public_key>[^/]+)")


class ProviderWebhookMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = WEBHOOK_PATH.fullmatch(request.path_info)
        if match is None:
            return self.get_response(request)
        response = inbound(request, match["kind"], match["public_key"])
        # What CommonMiddleware would add: keep-alive clients need the length.
        response.headers.setdefault("Content-Length", str(len(response.content)))
        return response
