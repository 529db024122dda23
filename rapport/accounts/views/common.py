"""What the settings pages share: the admin-only gate and the form-then-action flow."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rapport.accounts.models import User
from rapport.core.errors import PermissionDenied, RapportError

View = Callable[..., HttpResponse]


def admin(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def admin_only(view: View) -> View:
    """Settings are for admins: everyone else gets a clear 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not admin(request).is_admin:
            return refused(request, PermissionDenied("only admins can change Rapport's settings"))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def refused(request: HttpRequest, error: RapportError) -> HttpResponse:
    context = {
        "status": error.status_code,
        "title": "Not allowed" if error.status_code == 403 else "That did not work",
        "message": error.message,
    }
    return render(request, "core/problem.html", context, status=error.status_code)


def form_page(
    request: HttpRequest,
    form: forms.Form,
    template: str,
    save: Callable[[dict[str, Any]], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save`` (which calls an action and returns where
    to go next). A refusal from the action is shown on the form with its status code."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return redirect(save(form.cleaned_data))
            except RapportError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    return render(request, template, (context or {}) | {"form": form}, status=status)
