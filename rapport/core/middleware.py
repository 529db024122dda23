"""Response headers that make injected content inert even if escaping ever failed."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

# Inline scripts are not allowed anywhere in the agent app; everything comes from /static/.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


# The interactive API docs (Swagger UI from /static/ninja/, its settings in a JSON data
# block, which is not script): no inline script either. Swagger UI sets inline styles and
# shows data: images; "Try it out" calls the API on this host.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
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
        if request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", DOCS_POLICY)
        else:
            response.headers.setdefault("Content-Security-Policy", policy_for(request))
        return response


class ApiMethodNotAllowedMiddleware:
    """Answer a wrong HTTP method on the API in the API's JSON error format.

    Django Ninja answers 405 with a plain-text body; API clients expect the same
    ``{"error": {"code", "message"}}`` as for every other error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        allowed = response.headers.get("Allow", "")
        message = f"{request.method} is not allowed here; use {allowed or 'another method'}"
        json_response = JsonResponse(
            {"error": {"code": "method_not_allowed", "message": message}}, status=405
        )
        if allowed:
            json_response["Allow"] = allowed
        return json_response
