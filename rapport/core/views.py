"""Health check and error pages (plain HTML for people, JSON for the API)."""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rapport.core.cors import WIDGET_PATHS, with_cors
from rapport.core.unavailable import is_database_down, unavailable_response


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith(WIDGET_PATHS):
        # The widget reads JSON, cross-origin: an HTML page without CORS it cannot show.
        return with_cors(JsonResponse({"error": message}, status=status))
    if request.path.startswith("/api/"):
        code = title.lower().replace(" ", "_")
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return render(
        request,
        "core/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return _error(request, 413, "Too large", "The request body is larger than the limit.")
    return _error(request, 400, "Bad request", "The request could not be understood.")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Forbidden", "You are not allowed to do that.")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Not found", "There is nothing here, or you cannot see it.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while the exception is being handled, wherever it was raised (a
    # view, the API, a middleware reading the session): the one place that sees them all.
    error = sys.exc_info()[1]
    if is_database_down(error):
        assert error is not None
        return unavailable_response(request, error)
    return _error(request, 500, "Server error", "Something went wrong on our side; it was logged.")
