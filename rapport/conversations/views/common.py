"""What every conversation view shares: htmx detection, clear errors, the update response."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers

from rapport.accounts.models import User
from rapport.conversations.actions import check_may_change as actions_check_may_change
from rapport.conversations.models import Conversation
from rapport.conversations.views.context import panel_context
from rapport.core.errors import RapportError

View = Callable[..., HttpResponseBase]

TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    409: "Already taken",
    413: "Too large",
}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def agent(request: HttpRequest) -> User:
    """The signed-in staff member (every view here is behind ``login_required``)."""
    user = request.user
    assert isinstance(user, User)
    return user


def problem(
    request: HttpRequest, error: RapportError, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """Show a refusal with its status: a small alert for htmx, a whole page otherwise."""
    if is_htmx(request):
        context: dict[str, object] = {"message": error.message}
        return render(request, "core/_flash.html", context, status=error.status_code)
    context = {
        "status": error.status_code,
        "title": TITLES.get(error.status_code, "That did not work"),
        "message": error.message,
        "back_url": back_url,
        "back_label": back_label,
    }
    return render(request, "core/problem.html", context, status=error.status_code)


def sign_in_first(request: HttpRequest) -> HttpResponse:
    """Send a signed-out visitor to the sign-in page, then back to where they were.

    An htmx request cannot follow a redirect to a whole page, so it gets ``HX-Redirect``:
    the browser then leaves the page it is on (whose address htmx sends along).
    """
    if not is_htmx(request):
        return redirect_to_login(request.get_full_path())
    back = urlsplit(request.headers.get("HX-Current-URL", "")).path or "/inbox"
    response = HttpResponse("Your session has ended: sign in again.", status=401)
    response["HX-Redirect"] = f"{resolve_url('login')}?{urlencode({'next': back})}"
    return response


def agent_page(view: View) -> View:
    """Sign-in required; an action's ``RapportError`` becomes a clear page with its status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return sign_in_first(request)
        try:
            response = view(request, *args, **kwargs)
        except RapportError as error:
            conversation_id = kwargs.get("conversation_id")
            if conversation_id and error.status_code != 404:
                back = f"/conversations/{conversation_id}"
                return problem(request, error, back, "Back to the conversation")
            return problem(request, error)
        patch_vary_headers(response, ["HX-Request"])
        return response

    return wrapper


def check_may_change(user: User, conversation: Conversation) -> None:
    """Refuse before reading the form, so a light seat hears "not allowed", not "bad input".

    The rule itself lives in the actions, which check it again when they run.
    """
    actions_check_may_change(user, conversation, "change this conversation")


def done(request: HttpRequest, conversation: Conversation, note: str, **parts: Any) -> HttpResponse:
    """The answer to a change: fresh page parts for htmx, a redirect for a plain form post."""
    if not is_htmx(request):
        messages.success(request, note)
        return redirect("conversation", conversation_id=conversation.pk)
    context = panel_context(request, conversation) | parts
    response = render(request, "conversations/_updates.html", context)
    response["HX-Trigger"] = json.dumps({"rapport:flash": {"message": note}})
    return response
