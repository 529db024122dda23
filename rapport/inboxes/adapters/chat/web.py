"""HTTP plumbing of the widget endpoints: CORS, JSON in and out, the visitor token header.

The widget runs on the customer's website, so these endpoints answer any origin (or the
inbox's allowed ones) — but they take no cookies: the visitor token travels in the
``Authorization`` header, so another site cannot act as a visitor by merely being visited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from rapport.core.errors import PermissionDenied, RapportError, ValidationFailed
from rapport.inboxes.adapters.chat import selectors
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.tokens import Visitor, read_token
from rapport.inboxes.models import Inbox

MAX_JSON_BYTES = 64 * 1024
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "86400",
}

View = Callable[..., HttpResponse]


def widget_endpoint(view: View) -> View:
    """CORS, preflight, and every RapportError as ``{"error": message}`` with its status."""

    @csrf_exempt  # no cookie authenticates these requests, so there is nothing to forge
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            try:
                response = view(request, *args, **kwargs)
            except RapportError as error:
                response = JsonResponse({"error": error.message}, status=error.status_code)
        for header, value in CORS_HEADERS.items():
            response[header] = value
        return response

    return wrapper


def only(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise ValidationFailed(f"use {' or '.join(methods)}")


def json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise ValidationFailed("the request is too large")
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationFailed("the request body must be a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, limit: int = 10_000) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationFailed(f"{name} must be text of at most {limit} characters")
    return value


def check_origin(request: HttpRequest, inbox: Inbox) -> None:
    """A browser names the page's origin; a site not on the inbox's list may not embed it."""
    origin = request.headers.get("Origin", "")
    if origin and not chat_settings(inbox).origin_allowed(origin):
        raise PermissionDenied("this website may not use this chat")


def visitor_of(request: HttpRequest) -> tuple[Visitor, Inbox]:
    """The visitor named by ``Authorization: Bearer <token>``, and their (active) inbox."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise PermissionDenied("start a chat session first")
    visitor = read_token(token.strip())
    inbox = selectors.chat_inbox(inbox_id=visitor.inbox_id)
    check_origin(request, inbox)
    return visitor, inbox
