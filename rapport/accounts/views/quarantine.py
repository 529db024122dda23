"""Settings → Quarantine: inbound items that could not become messages, from every channel
with a raw store (``core/quarantine.py``): the reason, the raw bytes, Retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.accounts.views.common import admin, admin_only
from rapport.core import quarantine
from rapport.core.errors import NotFound, RapportError


@admin_only
def quarantine_list(request: HttpRequest) -> HttpResponse:
    context = {"items": quarantine.list_items(), "section": "quarantine"}
    return render(request, "accounts/settings/quarantine.html", context)


@admin_only
def quarantine_download(request: HttpRequest, key: str) -> HttpResponse:
    """The raw bytes exactly as received, always as a download (never rendered)."""
    try:
        item = quarantine.get_item(key)
        data = quarantine.raw_bytes(key)
    except NotFound as error:
        raise Http404(error.message) from None
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@admin_only
def quarantine_retry(request: HttpRequest, key: str) -> HttpResponse:
    try:
        still, outcome = quarantine.retry_item(actor=admin(request), key=key)
    except RapportError as error:
        messages.error(request, error.message)
    else:
        if still:
            messages.error(request, f"{key} is still quarantined: {outcome}")
        else:
            messages.success(request, f"{key}: {outcome.lower()}")
    return redirect(reverse("settings_quarantine"))
