"""The REST API root: authentication, one error format, and each app's router under /api/v1."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from rapport.accounts.api import router as accounts_router
from rapport.accounts.api import tokens_router
from rapport.accounts.invitations_api import router as invitations_router
from rapport.accounts.tokens import authenticate_token, refusal_for
from rapport.config.openapi_errors import document_errors
from rapport.conversations.api import router as conversations_router
from rapport.core.errors import PermissionDenied, RapportError
from rapport.customers.api import router as customers_router
from rapport.inboxes.adapters.api.inbound import router as api_channel_router
from rapport.inboxes.api import router as inboxes_router
from rapport.replies.api import router as replies_router
from rapport.search.api import router as search_router


def token_user(request: HttpRequest, raw: str) -> Any:
    """The token's user with its scope; a read-only token's write is refused here (403),
    before any endpoint runs."""
    user = authenticate_token(raw)
    if user is not None:
        refusal = refusal_for(user, request.method or "GET")
        if refusal is not None:
            raise PermissionDenied(refusal)
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return token_user(request, token)


class TokenHeader(APIKeyHeader):
    """``X-Api-Key: rpt_...`` for clients that cannot set an Authorization header."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return token_user(request, key or "")


class BrowserSession(SessionAuth):
    """The signed-in browser's session. CSRF is checked only when a session cookie came:
    a client with no session (a script whose token was wrong) must hear "not
    authenticated" (401), not "CSRF check failed" (403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)


class NotAnObject(ValueError):
    """The body is JSON, but not the object every endpoint with a body takes."""


JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number"}


class ObjectBodyParser(Parser):
    """Ninja's JSON parser, refusing bodies that are not a JSON object: ``42``, ``[]``,
    ``"x"`` and ``null`` used to read as "no fields given" and create blank customers."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            kind = "null" if data is None else JSON_TYPES.get(type(data), "not an object")
            if isinstance(data, bool):
                kind = "a boolean"
            raise NotAnObject(f"the request body must be a JSON object, not {kind}")
        return data


class RapportAPI(NinjaAPI):
    """Ninja's API, with every operation's error answers in its OpenAPI document."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = RapportAPI(
    title="Rapport API",
    version="1",
    description="Conversations, customers and inboxes of a Rapport help desk.",
    auth=[BearerToken(), TokenHeader(), BrowserSession()],
    urls_namespace="api",
    docs_url="/docs",
    parser=ObjectBodyParser(),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, **extra}}, status=status
    )


# One code per status, matching the JSON error pages of core.views where they overlap.
ERROR_CODES = {
    400: "invalid",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
}


def error_code(exc: RapportError) -> str:
    snake_name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
    return ERROR_CODES.get(exc.status_code, snake_name)


@api.exception_handler(RapportError)
def rapport_error(request: HttpRequest, exc: RapportError) -> HttpResponse:
    response = error_response(request, exc.status_code, error_code(exc), exc.message)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "payload", "identity", "address")`` → ``identity.address``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if parts and parts[0] in {"payload", "params"}:  # the endpoint's argument, not a field
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = field_name(error.get("loc", ()))
        detail = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{where or 'request'}: {detail}")
    message = "; ".join(problems) or "the request is not valid"
    return error_response(request, 400, "invalid", message, fields=exc.errors)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "unauthenticated", "send an API token as 'Authorization: Bearer rpt_…'"
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "not found")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, NotAnObject):
        return error_response(request, 400, "invalid", str(cause))
    if isinstance(cause, ValueError):  # Ninja could not parse the body (bad JSON or UTF-8)
        return error_response(request, 400, "invalid", f"the request body is not JSON: {cause}")
    code = ERROR_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Raised when an endpoint first reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    message = f"the request body is larger than the limit of {limit // 1024} KiB"
    return error_response(request, 413, "too_large", message)


# Each app's router under /api/v1 (config wires every app; no app imports this module).
api.add_router("/v1/", accounts_router)
api.add_router("/v1/", tokens_router)
api.add_router("/v1/", invitations_router)
api.add_router("/v1/", customers_router)
api.add_router("/v1/", inboxes_router)
api.add_router("/v1/", api_channel_router)
api.add_router("/v1/", conversations_router)
api.add_router("/v1/", replies_router)
api.add_router("/v1/", search_router)
