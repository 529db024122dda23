"""What the canned-reply views share: who may manage, and errors the picker can read."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse

from rapport.accounts.models import User
from rapport.accounts.views.common import refused
from rapport.core.errors import PermissionDenied, RapportError
from rapport.replies.selectors import may_manage

View = Callable[..., HttpResponse]


class SignedOut(RapportError):
    status_code = 401


def staff(request: HttpRequest) -> User:
    """The signed-in staff member (every view here needs a sign-in)."""
    user = request.user
    assert isinstance(user, User)
    return user


def managers_only(view: View) -> View:
    """Admins and supervisors manage canned replies; agents get a clear 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_manage(staff(request)):
            error = PermissionDenied("only admins and supervisors can manage canned replies")
            return refused(request, error)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def json_error(error: RapportError) -> JsonResponse:
    """The API's error shape, so the picker reads one format whoever answers it."""
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
    body = {"error": {"code": codes.get(error.status_code, "invalid"), "message": error.message}}
    return JsonResponse(body, status=error.status_code)


def json_view(view: View) -> View:
    """For the picker's fetches: JSON answers, a refusal as JSON, no redirect to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error(SignedOut("your session has ended: sign in again"))
        try:
            return view(request, *args, **kwargs)
        except RapportError as error:
            return json_error(error)

    return wrapper
