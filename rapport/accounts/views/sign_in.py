"""Settings → Sign-in: everyone's own two-factor sign-in, and the admins' rule of which roles
must use it. One page, one form per ``action``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rapport.accounts.actions import two_factor
from rapport.accounts.forms import CodeForm, SignInPolicyForm, TurnOffTwoFactorForm
from rapport.accounts.models import RecoveryCode, SignInPolicy, TwoFactor
from rapport.accounts.views.common import admin, refused
from rapport.core.errors import PermissionDenied, RapportError

TEMPLATE = "accounts/settings/sign_in.html"


@login_required
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    handlers = {
        "start": _start,
        "confirm": _confirm,
        "turn_off": _turn_off,
        "renew": _renew,
        "policy": _policy,
    }
    handler = handlers.get(request.POST.get("action", ""))
    if handler is None:
        return _page(request, status=400, problem="choose what to change")
    return handler(request)


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = admin(request)  # the signed-in staff member, whatever their role
    mine = TwoFactor.objects.filter(user=user).first()
    policy = SignInPolicy.current()
    context: dict[str, Any] = {
        "section": "sign_in",
        "two_factor": mine,
        "required": policy.requires_two_factor(user.role),
        "codes_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "code_form": CodeForm(),
        "turn_off_form": TurnOffTwoFactorForm(),
        "policy_form": SignInPolicyForm(initial={"two_factor_roles": policy.two_factor_roles}),
        "enrolled_count": TwoFactor.objects.filter(confirmed_at__isnull=False).count(),
    }
    if mine is not None and not mine.is_on:
        secret = two_factor.start_enrolment(user=user).secret  # the one waiting
        context.update(secret=secret, qr_code=two_factor.qr_code_svg(user, secret))
    context.update(extra)
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    if status == 429:
        response["Retry-After"] = str(two_factor.WINDOW_SECONDS)
    return response


def _start(request: HttpRequest) -> HttpResponse:
    try:
        two_factor.start_enrolment(user=admin(request))
    except RapportError as error:
        return _page(request, status=error.status_code, problem=error.message)
    return redirect("settings_sign_in")


def _with_code(request: HttpRequest, step: Callable[..., list[str]]) -> HttpResponse:
    """A step that takes a code from the authenticator app and shows new recovery codes
    (confirming the set-up, renewing the codes)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, code_form=form)
    try:
        codes = step(user=admin(request), code=form.cleaned_data["code"])
    except RapportError as error:
        form.add_error("code", error.message)
        return _page(request, status=error.status_code, code_form=form)
    return _page(request, recovery_codes=codes)


def _confirm(request: HttpRequest) -> HttpResponse:
    return _with_code(request, two_factor.confirm_enrolment)


def _turn_off(request: HttpRequest) -> HttpResponse:
    form = TurnOffTwoFactorForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, turn_off_form=form)
    try:
        two_factor.disable(user=admin(request), **form.cleaned_data)
    except PermissionDenied as error:  # the role requires it: the form is not even shown
        return _page(request, status=error.status_code, problem=error.message)
    except RapportError as error:
        form.add_error(None, error.message)
        return _page(request, status=error.status_code, turn_off_form=form)
    messages.success(request, "Two-factor sign-in is off: your password alone signs you in")
    return redirect("settings_sign_in")


def _renew(request: HttpRequest) -> HttpResponse:
    return _with_code(request, two_factor.renew_recovery_codes)


def _policy(request: HttpRequest) -> HttpResponse:
    if not admin(request).is_admin:
        return refused(request, PermissionDenied("only admins can change sign-in rules"))
    form = SignInPolicyForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, policy_form=form)
    roles = form.cleaned_data["two_factor_roles"]
    two_factor.set_required_roles(actor=admin(request), roles=roles)
    messages.success(request, "Saved: those roles set up two-factor at their next sign-in")
    return redirect("settings_sign_in")
