"""HTTP plumbing of the widget endpoints: CORS, JSON in and out, the visitor token header.

The widget runs on the customer's website, so these endpoints answer any origin (or the
inbox's allowed ones) — but they take no cookies: the visitor token travels in the
``Authorization`` header, so another site cannot act as a visitor by merely being visited.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from rapport.core.cors import with_cors
from rapport.core.errors import PermissionDenied, RapportError, TooLarge, ValidationFailed
from rapport.core.inbound import body_too_large, clean_text
from rapport.core.unavailable import UNAVAILABLE, unavailable_response
from rapport.inboxes.adapters.chat import selectors
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.tokens import Visitor, read_token
from rapport.inboxes.models import Inbox

MAX_JSON_BYTES = 64 * 1024

View = Callable[..., HttpResponse]


def widget_endpoint(view: View) -> View:
    """CORS, preflight, and every refusal as ``{"error": message}`` with its status.

    The widget can only show what it can read: a body too large, a broken upload or the
    database being away are JSON with CORS too, never Django's HTML pages.
    """

    @csrf_exempt  # no cookie authenticates these requests, so there is nothing to forge
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return with_cors(HttpResponse(status=204))
        try:
            response = view(request, *args, **kwargs)
        except RapportError as error:
            response = JsonResponse({"error": error.message}, status=error.status_code)
            if error.retry_after is not None:
                response["Retry-After"] = str(error.retry_after)
        except UNAVAILABLE as error:
            response = unavailable_response(request, error)
        except (RequestDataTooBig, SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            response = _unreadable(request)
        return with_cors(response)

    return wrapper


def _unreadable(request: HttpRequest) -> HttpResponse:
    """The body could not be read: over the size limit, or not well-formed multipart."""
    error: RapportError
    if _declared_length(request) > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
        error = body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    else:
        error = ValidationFailed("the upload could not be read; please choose the file again")
    return JsonResponse({"error": error.message}, status=error.status_code)


def _declared_length(request: HttpRequest) -> int:
    length = request.META.get("CONTENT_LENGTH", "")
    return int(length) if str(length).isdigit() else 0


def only(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise ValidationFailed(f"use {' or '.join(methods)}")


def json_body(request: HttpRequest) -> dict[str, Any]:
    if _declared_length(request) > MAX_JSON_BYTES or len(request.body) > MAX_JSON_BYTES:
        raise TooLarge(f"the request is larger than the limit of {MAX_JSON_BYTES // 1024} KiB")
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed("the request body is not valid JSON") from None
    except RecursionError:
        raise ValidationFailed("the request body is JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValidationFailed("the request body must be a JSON object")
    return data


def text_field(data: Mapping[str, Any], name: str, limit: int = 10_000) -> str:
    return clean_text(data.get(name, ""), field=name, limit=limit)


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
