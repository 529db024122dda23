"""E-mail views: the original message, the mail body frame, remote images, connection test."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.models import User
from rapport.accounts.views.common import admin_only
from rapport.core.errors import NotFound
from rapport.inboxes.adapters.email.connection import check_inbox
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.posts import Malformed, extract
from rapport.inboxes.adapters.email.render import body_html, frame_policy
from rapport.inboxes.adapters.email.selectors import access_details, access_raw
from rapport.inboxes.models import InboxKind
from rapport.inboxes.views.access import settings_inbox


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@require_GET
@login_required
def original(request: HttpRequest, message_id: int) -> HttpResponse:
    """The raw message exactly as received, as a text/plain download (for a provider's
    post, the mail in it; the post itself is in Settings → Quarantine when it held none)."""
    try:
        raw = access_raw(_user(request), message_id)
    except NotFound as error:
        raise Http404(error.message) from None
    try:
        data = extract(raw).mail
    except Malformed:
        data = bytes(raw.data)
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="message-{message_id}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
@xframe_options_sameorigin
def body(request: HttpRequest, message_id: int) -> HttpResponse:
    """The mail's HTML for a sandboxed iframe on the conversation page."""
    try:
        details = access_details(_user(request), message_id)
    except NotFound as error:
        raise Http404(error.message) from None
    html = body_html(details, original=request.GET.get("original") == "1")
    response = render(request, "email_channel/body.html", {"html": html})
    response["Content-Security-Policy"] = frame_policy(details)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def allow_images(request: HttpRequest, message_id: int) -> HttpResponse:
    """The agent chose to load this mail's remote images (or to block them again)."""
    try:
        details = access_details(_user(request), message_id)
    except NotFound as error:
        raise Http404(error.message) from None
    allow = request.POST.get("allow", "1") == "1"
    EmailDetails.objects.filter(pk=details.pk).update(remote_images_allowed=allow)
    details.remote_images_allowed = allow
    return render(request, "email_channel/message_meta.html", {"email": details})


@admin_only
def connection_test(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """Admins test an inbox's IMAP and SMTP settings; each problem is named plainly.

    Admins only, like every settings page (``admin_only``): supervisors see every inbox
    but do not change or probe its servers.
    """
    inbox = settings_inbox(request, inbox_id, InboxKind.EMAIL)
    results = check_inbox(inbox) if request.method == "POST" else None
    context = {"inbox": inbox, "results": results}
    return render(request, "email_channel/connection_test.html", context)
