"""Response headers that make injected content inert even if escaping ever failed."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Inline scripts are not allowed anywhere in the agent app; everything comes from /static/.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def policy_for(request: HttpRequest) -> str:
    # The live agent app opens a websocket to this host; 'self' alone does not cover ws(s):
    # in every browser. The host was already checked against ALLOWED_HOSTS.
    host = request.get_host()
    return f"{POLICY}; connect-src 'self' ws://{host} wss://{host}"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", policy_for(request))
        return response
