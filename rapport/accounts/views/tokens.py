"""Settings → API tokens: create (the token is shown once), list, revoke.

Every staff member makes tokens acting as themselves; admins also for someone else, and
see everyone's. A token never holds more than its owner (see ``accounts.tokens``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts import actions
from rapport.accounts.forms import TokenForm
from rapport.accounts.selectors import access_api_token, visible_api_tokens
from rapport.accounts.views.common import admin, refused
from rapport.core.errors import RapportError

TEMPLATE = "accounts/settings/tokens.html"


def _page(
    request: HttpRequest, form: TokenForm, status: int = 200, **extra: object
) -> HttpResponse:
    tokens = visible_api_tokens(admin(request)).order_by("-created_at", "-id")
    context = {"tokens": tokens, "form": form, "section": "tokens", **extra}
    return render(request, TEMPLATE, context, status=status)


def _blank_form(request: HttpRequest) -> TokenForm:
    return TokenForm(actor=admin(request), initial={"user": admin(request)})


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The list and the "new token" form; a valid POST creates one and shows it once."""
    if request.method != "POST":
        return _page(request, _blank_form(request))
    form = TokenForm(request.POST, actor=admin(request))
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    chosen = [inbox.pk for inbox in data["inboxes"]]
    try:
        token, plain = actions.create_api_token(
            actor=admin(request),
            user=data.get("user") or admin(request),
            name=data["name"],
            access=data["access"],
            inbox_ids=chosen or None,
            expires_at=form.expires_at(),
        )
    except RapportError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=error.status_code)
    response = _page(request, _blank_form(request), new_token=token, plain_token=plain)
    response["Cache-Control"] = "no-store"  # the plain token must not linger in any cache
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = access_api_token(admin(request), token_id)
        actions.revoke_api_token(actor=admin(request), token=token)
    except RapportError as error:
        return refused(request, error)
    messages.success(request, f"Revoked “{token.name}”: it no longer opens the API")
    return redirect("settings_tokens")
