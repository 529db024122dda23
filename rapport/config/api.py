"""The REST API root: authentication, one error format, and each app's router under /api/v1."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from rapport.accounts.tokens import authenticate_token
from rapport.core.errors import RapportError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_token(token)


class TokenHeader(APIKeyHeader):
    """``X-Api-Key: rpt_...`` for clients that cannot set an Authorization header."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return authenticate_token(key or "")


api = NinjaAPI(
    title="Rapport API",
    version="1",
    description="Conversations, customers and inboxes of a Rapport help desk.",
    auth=[BearerToken(), TokenHeader(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, **extra}}, status=status
    )


@api.exception_handler(RapportError)
def rapport_error(request: HttpRequest, exc: RapportError) -> HttpResponse:
    code = type(exc).__name__.replace("Failed", "").lower()
    return error_response(request, exc.status_code, code, exc.message)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(
            str(part) for part in error.get("loc", ()) if part not in ("body", "payload")
        )
        problems.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
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
    return error_response(request, exc.status_code, "error", str(exc))


def mount_routers() -> None:
    from rapport.accounts.api import router as accounts_router
    from rapport.conversations.api import router as conversations_router
    from rapport.customers.api import router as customers_router
    from rapport.inboxes.api import router as inboxes_router

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/", customers_router)
    api.add_router("/v1/", inboxes_router)
    api.add_router("/v1/", conversations_router)


mount_routers()
