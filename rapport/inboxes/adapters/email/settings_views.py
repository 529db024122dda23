"""The e-mail inbox's settings extras: the webhook URLs, stuck mail and its Retry button,
and "Test connection".

The "Test connection" button posts the form as it is on screen, so an admin can check the
settings before saving them; it runs the e-mail channel's own check (``connection.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from rapport.accounts.views.common import admin, admin_only
from rapport.core.errors import RapportError, ValidationFailed
from rapport.inboxes.adapters.email import health
from rapport.inboxes.adapters.email.actions import retry_raw_email
from rapport.inboxes.adapters.email.clean import clean_email
from rapport.inboxes.adapters.email.connection import CheckResult, check_inbox
from rapport.inboxes.adapters.email.forms import EmailSettingsForm
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.adapters.email.webhooks import PROVIDERS
from rapport.inboxes.models import Inbox
from rapport.inboxes.views.access import settings_inbox

KIND = "email"
STUCK_SHOWN = 50


def email_inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    return settings_inbox(request, inbox_id, KIND)


def settings_context(inbox: Inbox | None) -> dict[str, Any]:
    """The tab's surroundings: the webhook URLs, the connection test and the stuck mail."""
    if inbox is None:
        return {"test_url": reverse("settings_email_test_new")}
    inbound = [
        (
            provider.title() if provider != "sendgrid" else "SendGrid",
            settings.SITE_URL + reverse("email_inbound", args=[provider, inbox.public_key]),
        )
        for provider in PROVIDERS
    ]
    return {
        "test_url": reverse("settings_email_test", args=[inbox.pk]),
        "inbound_urls": inbound,
        "stuck": stuck_mail(inbox),
        "status": health.statuses([inbox.pk]).get(inbox.pk),
    }


def stuck_mail(inbox: Inbox) -> list[RawEmail]:
    """The inbox's newest mail that is stored but not turned into a message (no bytes read)."""
    rows = RawEmail.objects.filter(
        inbox=inbox, state__in=[RawState.UNPROCESSABLE, RawState.PENDING]
    )
    fields = ("id", "state", "error", "received_at", "source", "size", "attempts")
    return list(rows.only(*fields).order_by("-received_at", "-id")[:STUCK_SHOWN])


@require_POST
@admin_only
def email_test(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    """htmx: test the IMAP and SMTP settings as typed; blank passwords use the stored ones."""
    inbox = email_inbox(request, inbox_id) if inbox_id is not None else None
    stored = inbox.config if inbox is not None else {}
    form = EmailSettingsForm(request.POST, stored=stored)
    results = connection_results(form, stored)
    return render(request, "email_channel/_connection_results.html", {"results": results})


def connection_results(form: EmailSettingsForm, stored: dict[str, Any]) -> list[CheckResult]:
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else "Settings"
        return [CheckResult("settings", False, f"{label}: {errors[0]}")]
    try:
        config = clean_email(form.config(), stored)
    except ValidationFailed as error:
        return [CheckResult("settings", False, error.message)]
    # An unsaved inbox: the check reads nothing but its settings.
    return check_inbox(Inbox(kind=KIND, config=config))


@require_POST
@admin_only
def email_retry(request: HttpRequest, inbox_id: int, raw_id: int) -> HttpResponse:
    inbox = email_inbox(request, inbox_id)
    try:
        raw = retry_raw_email(actor=admin(request), inbox=inbox, raw_id=raw_id)
    except RapportError as error:
        messages.error(request, error.message)
    else:
        if raw.state == RawState.UNPROCESSABLE:
            messages.error(request, f"Still unprocessable: {raw.error}")
        else:
            messages.success(request, f"Processed: {raw.get_state_display().lower()}")
    return redirect(reverse("settings_inbox_email", args=[inbox.pk]) + "#stuck-mail")


# Mounted under /settings/inboxes/ by the channel (``EmailChannel.settings_urls``).
urlpatterns = [
    path("new/email/test", email_test, name="settings_email_test_new"),
    path("<int:inbox_id>/email/test", email_test, name="settings_email_test"),
    path("<int:inbox_id>/email/mail/<int:raw_id>/retry", email_retry, name="settings_email_retry"),
]
