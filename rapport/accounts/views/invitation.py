"""``/invitations/<secret>``: the invitee chooses their name and password, once.

A link that was used, withdrawn or has expired gets a page saying which (410), an unknown
one a 404 page; neither says anything about the seat it was for.
"""

from __future__ import annotations

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from rapport.accounts.actions import invitations, two_factor
from rapport.accounts.forms import AcceptInvitationForm
from rapport.accounts.views import second_step
from rapport.core.errors import RapportError, ValidationFailed

BACKEND = "django.contrib.auth.backends.ModelBackend"


@never_cache
def accept(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        invitation = invitations.find_invitation(secret)
    except RapportError as error:
        context = {"message": error.message, "status": error.status_code}
        return render(
            request, "accounts/invitation_refused.html", context, status=error.status_code
        )
    form = AcceptInvitationForm(request.POST or None, initial={"name": invitation.name})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = invitations.accept_invitation(
                    secret=secret,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                )
            except ValidationFailed as error:
                if error.status_code == 410:  # used by another tab a moment ago
                    context = {"message": error.message, "status": 410}
                    return render(request, "accounts/invitation_refused.html", context, status=410)
                form.add_error("password", error.message)
            except RapportError as error:
                form.add_error(None, error.message)
                status = error.status_code
            else:
                if two_factor.is_required(user):  # enrol before the seat opens
                    user.backend = BACKEND
                    return second_step.begin(request, user, "/inbox")
                auth.login(request, user, backend=BACKEND)
                return redirect("inbox")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation_accept.html", context, status=status)
