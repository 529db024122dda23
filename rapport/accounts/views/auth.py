"""Signing in by e-mail, limited per account and per network (``accounts.throttle``),
and asking for a password-reset mail, limited likewise."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from rapport.accounts import sso, throttle
from rapport.accounts.actions import two_factor
from rapport.accounts.forms import EmailLoginForm
from rapport.accounts.tasks import send_password_reset_task
from rapport.accounts.views import second_step
from rapport.core.ratelimit import client_ip


def _typed_address(request: HttpRequest, field: str) -> str:
    return str(request.POST.get(field, ""))[:254].strip().lower()


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = _typed_address(request, "username")
        refusal = throttle.begin_sign_in(address=address, ip=client_ip(request))
        if refusal is not None:
            # An unbound form: validating this one would try the password after all.
            context = self.get_context_data(form=self.get_form_class()(request))
            context["limited"] = refusal
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        config = sso.config()
        context["sso_name"] = config.provider_name if config else None
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        throttle.note_success(address=_typed_address(self.request, "username"))
        # The password was right. With two-factor on (or required for the role), the session
        # is NOT signed in yet: it only remembers who is half-way (second_step.begin).
        user = form.get_user()
        if two_factor.is_enrolled(user) or two_factor.is_required(user):
            return second_step.begin(self.request, user, self.get_success_url())
        return super().form_valid(form)

    def form_invalid(self, form: Any) -> HttpResponse:
        # The same answer whether or not a seat has this address; Django's backend runs the
        # password hasher for unknown addresses too, so the time taken is the same.
        throttle.note_failure(ip=client_ip(self.request))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the mail written and sent by the worker (``accounts.tasks``):
    a known and an unknown address then cost the request the same time."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        request = kwargs.get("request")
        domain = request.get_host() if request is not None else "localhost"
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_reset_task(user.pk, domain, bool(kwargs.get("use_https")))


class LimitedPasswordResetView(PasswordResetView):
    """Django's reset page, sending at most a few mails per address and per network."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        address = str(form.cleaned_data["email"]).strip().lower()
        network_ok, account_ok = throttle.reset_mail_allowed(
            address=address, ip=client_ip(self.request)
        )
        if not network_ok:
            context = self.get_context_data(form=form, limited=True)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(throttle.RESETS_PER_IP[1])
            return response
        if not account_ok:  # answered as if sent: the page never tells who has a seat
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
