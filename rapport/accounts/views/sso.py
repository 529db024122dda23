"""``/login/sso``: sign in through the OpenID provider configured by ``OIDC_*`` variables.

The start view sends the browser to the provider (Authlib keeps state, nonce and the PKCE
verifier in the session); the callback exchanges the code, has Authlib verify the ID
token, and signs in the staff member it names — through the two-factor step when theirs
is on or required, like a password sign-in.
"""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import OAuthError
from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from rapport.accounts import sso
from rapport.accounts.actions import two_factor
from rapport.accounts.views import second_step
from rapport.core.errors import RapportError

log = logging.getLogger(__name__)
BACKEND = "django.contrib.auth.backends.ModelBackend"
NEXT = "rapport_sso_next"


def _problem(request: HttpRequest, status: int, message: str) -> HttpResponse:
    context = {"title": "Single sign-on did not work", "message": message, "status": status}
    return render(request, "accounts/sign_in_problem.html", context, status=status)


@never_cache
def start(request: HttpRequest) -> HttpResponse:
    config = sso.config()
    if config is None:
        return _problem(request, 404, "single sign-on is not set up on this Rapport")
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()})
    request.session[NEXT] = next_url if safe and next_url else "/inbox"
    callback = request.build_absolute_uri(reverse("login_sso_callback"))
    try:
        return sso.client(config).authorize_redirect(request, callback)
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID provider unreachable: %s", error)
        return _problem(request, 502, f"{config.provider_name} could not be reached; try again")


@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    config = sso.config()
    if config is None:
        return _problem(request, 404, "single sign-on is not set up on this Rapport")
    try:
        token = sso.client(config).authorize_access_token(request)
    except OAuthError as error:
        reason = error.description or error.error or "the provider refused"
        return _problem(request, 400, f"the sign-in was not completed ({reason}); try again")
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID provider failed during sign-in: %s", error)
        return _problem(request, 502, f"{config.provider_name} could not be reached; try again")
    try:
        user = sso.sign_in_user(sso=config, claims=dict(token.get("userinfo") or {}))
    except RapportError as error:
        return _problem(request, error.status_code, error.message)
    next_url = str(request.session.pop(NEXT, "/inbox"))
    if two_factor.is_enrolled(user) or two_factor.is_required(user):
        user.backend = BACKEND
        return second_step.begin(request, user, next_url)
    auth.login(request, user, backend=BACKEND)
    return redirect(next_url)
