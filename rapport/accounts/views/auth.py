"""Signing in by e-mail, with a per-address limit on attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from rapport.accounts.forms import EmailLoginForm
from rapport.core.ratelimit import client_ip, hit

ATTEMPTS_PER_WINDOW = 20
WINDOW_SECONDS = 15 * 60


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Slows password guessing from one address without locking real people out for long.
        key = f"login:{client_ip(request)}"
        if not hit(key, limit=ATTEMPTS_PER_WINDOW, window_seconds=WINDOW_SECONDS):
            # An unbound form: validating this one would try the password after all.
            context = self.get_context_data(form=self.get_form_class()(request))
            context["limited"] = True
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)
