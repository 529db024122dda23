"""CORS for the answers the chat widget reads from another website.

The widget's endpoints (chat/web.py) use it on every answer, and core's error pages on
the ones Django gives for ``/chat/`` paths (a body too large, the database away): an
answer without these headers is one the widget cannot read, let alone show.
"""

from __future__ import annotations

from django.http import HttpResponse

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "86400",
    "Access-Control-Expose-Headers": "Retry-After",  # the widget waits as long as a 503 says
}
WIDGET_PATHS = "/chat/"


def with_cors(response: HttpResponse) -> HttpResponse:
    for header, value in CORS_HEADERS.items():
        response[header] = value
    return response
