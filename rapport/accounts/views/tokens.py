"""Settings → API tokens: create (the token is shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts import actions
from rapport.accounts.forms import TokenForm
from rapport.accounts.models import ApiToken
from rapport.accounts.views.common import admin, admin_only
from rapport.core.errors import RapportError

TEMPLATE = "accounts/settings/tokens.html"


def _page(
    request: HttpRequest, form: TokenForm, status: int = 200, **extra: object
) -> HttpResponse:
    tokens = ApiToken.objects.select_related("user")
    context = {"tokens": tokens, "form": form, "section": "tokens", **extra}
    return render(request, TEMPLATE, context, status=status)


@admin_only
def token_list(request: HttpRequest) -> HttpResponse:
    """The list and the "new token" form; a valid POST creates one and shows it once."""
    if request.method != "POST":
        return _page(request, TokenForm(initial={"user": admin(request)}))
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, plain = actions.create_api_token(actor=admin(request), **form.cleaned_data)
    except RapportError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=error.status_code)
    fresh = TokenForm(initial={"user": admin(request)})
    response = _page(request, fresh, new_token=token, plain_token=plain)
    response["Cache-Control"] = "no-store"  # the plain token must not linger in any cache
    return response


@require_POST
@admin_only
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id)
    actions.revoke_api_token(actor=admin(request), token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer opens the API")
    return redirect("settings_tokens")
