"""The second step of signing in: a code from the authenticator app, or enrolling one.

Between the password and the code the session holds only ``PENDING`` (who, how, where to
go next, since when). Django's ``login()`` runs only after the code is checked, so every
page, the API with the session cookie and the agent websocket see an anonymous visitor
until then: there is nothing to bypass.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from rapport.accounts.actions import two_factor
from rapport.accounts.forms import CodeForm
from rapport.accounts.models import User
from rapport.core.errors import RapportError

PENDING = "rapport_second_step"
PENDING_FOR_SECONDS = 10 * 60  # the password step is forgotten after this


def begin(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Remember that ``user`` gave the right password, and ask for the second factor."""
    request.session.cycle_key()  # a fixed session id learnt before this step is useless
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "since": time.time(),
    }
    return redirect("login_code" if two_factor.is_enrolled(user) else "login_enrol")


def pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending["since"] > PENDING_FOR_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def finish(request: HttpRequest, user: User) -> str:
    """Sign ``user`` in for real; returns where they wanted to go."""
    pending = request.session.pop(PENDING)
    auth.login(request, user, backend=pending["backend"])
    next_url = str(pending["next"])
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()})
    return next_url if safe else "/inbox"


def _start_over(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    return render(request, "accounts/login_start_over.html", status=400)


def code_step(request: HttpRequest) -> HttpResponse:
    """``/login/code``: the six-digit code, or a recovery code."""
    user = pending_user(request)
    if user is None:
        return _start_over(request)
    if not two_factor.is_enrolled(user):
        return redirect("login_enrol")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.verify_sign_in(user=user, code=form.cleaned_data["code"])
            return redirect(finish(request, user))
        except RapportError as error:
            form.add_error("code", error.message)
            status = error.status_code
    elif request.method == "POST":
        status = 400
    return _render(request, "accounts/login_code.html", {"form": form}, status)


def enrol_step(request: HttpRequest) -> HttpResponse:
    """``/login/enrol``: the role requires two-factor and this person has none yet."""
    user = pending_user(request)
    if user is None:
        return _start_over(request)
    if two_factor.is_enrolled(user):
        return redirect("login_code")
    enrolment = two_factor.start_enrolment(user=user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.confirm_enrolment(user=user, code=form.cleaned_data["code"])
            next_url = finish(request, user)
            done = {"recovery_codes": codes, "next_url": next_url}
            return _render(request, "accounts/login_recovery_codes.html", done, 200)
        except RapportError as error:
            form.add_error("code", error.message)
            status = error.status_code
    elif request.method == "POST":
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "secret": enrolment.secret,
        "qr_code": two_factor.qr_code_svg(user, enrolment.secret),
    }
    return _render(request, "accounts/login_enrol.html", context, status)


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int) -> Any:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # secrets and recovery codes must not be cached
    if status == 429:
        response["Retry-After"] = str(two_factor.WINDOW_SECONDS)
    return response
