"""The database is away: answer 503 with ``Retry-After`` instead of 500.

Mail providers, API clients and the widget all retry a 503 after the time it names; a 500
reads as "your request is broken" and some give up on it. Every request path that needs
the database turns a lost connection into this answer in one place, the 500 handler
(``core.views.server_error``, which Django calls while the exception is being handled,
whether a view, the API or a middleware raised it), and the widget's endpoints answer it
themselves (with their CORS headers).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from rapport.core.cors import WIDGET_PATHS, with_cors

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = "The service is briefly unavailable (its database cannot be reached); try again shortly."

# psycopg's connection failures and SQLite's "unable to open" / "database is locked" are
# OperationalError; a connection closed under Django's feet is InterfaceError. All pass.
UNAVAILABLE = (OperationalError, InterfaceError)


def is_database_down(error: BaseException | None) -> bool:
    return isinstance(error, UNAVAILABLE)


def json_unavailable(body: dict[str, Any]) -> HttpResponse:
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """503 in the format the caller reads: the API's JSON errors, else plain text."""
    logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
    if request.path.startswith("/api/"):
        return json_unavailable({"error": {"code": "unavailable", "message": MESSAGE}})
    if request.path.startswith(WIDGET_PATHS):
        return with_cors(json_unavailable({"error": MESSAGE, "retry": True}))
    response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
