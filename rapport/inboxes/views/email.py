"""An e-mail inbox's settings tab: mailbox, sending, automatic mail, webhooks, stuck mail.

The "Test connection" button posts the form as it is on screen, so an admin can check the
settings before saving them; it runs the e-mail channel's own check (``connection.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.accounts.views.common import admin, admin_only, form_page
from rapport.core.errors import RapportError, ValidationFailed
from rapport.inboxes import actions
from rapport.inboxes.adapters.email import health
from rapport.inboxes.adapters.email.connection import CheckResult, check_inbox
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.adapters.email.webhooks import PROVIDERS
from rapport.inboxes.forms.email import EmailSettingsForm, NewEmailInboxForm, email_initial
from rapport.inboxes.models import Inbox, InboxKind
from rapport.inboxes.views.access import settings_inbox

TEMPLATE = "inboxes/settings/email.html"
STUCK_SHOWN = 50


def email_inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    return settings_inbox(request, inbox_id, InboxKind.EMAIL)


@admin_only
def email_new(request: HttpRequest) -> HttpResponse:
    form = NewEmailInboxForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        inbox = actions.create_inbox(
            actor=admin(request),
            name=data["name"],
            kind=InboxKind.EMAIL,
            config=form.config(),
            members=data["members"],
        )
        messages.success(request, f"Created the e-mail inbox {inbox}")
        return reverse("settings_inbox_email", args=[inbox.pk])

    context = {"section": "inboxes", "test_url": reverse("settings_email_test_new")}
    return form_page(request, form, TEMPLATE, save, context)


@admin_only
def email_settings(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = email_inbox(request, inbox_id)
    form = EmailSettingsForm(
        request.POST or None, initial=email_initial(inbox.config), stored=inbox.config
    )

    def save(data: dict[str, Any]) -> str:
        actions.update_inbox_settings(actor=admin(request), inbox=inbox, config=form.config())
        messages.success(request, f"Saved the e-mail settings of {inbox}")
        return reverse("settings_inbox_email", args=[inbox.pk])

    return form_page(request, form, TEMPLATE, save, settings_context(inbox))


def settings_context(inbox: Inbox) -> dict[str, Any]:
    """The tab's surroundings: the webhook URLs, the listener hint and the stuck mail."""
    inbound = [
        (
            provider.title() if provider != "sendgrid" else "SendGrid",
            settings.SITE_URL + reverse("email_inbound", args=[provider, inbox.public_key]),
        )
        for provider in PROVIDERS
    ]
    return {
        "section": "inboxes",
        "inbox": inbox,
        "tab": "email",
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
    return render(request, "inboxes/settings/_connection_results.html", {"results": results})


def connection_results(form: EmailSettingsForm, stored: dict[str, Any]) -> list[CheckResult]:
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else "Settings"
        return [CheckResult("settings", False, f"{label}: {errors[0]}")]
    try:
        config = actions.clean_config(InboxKind.EMAIL, form.config(), stored)
    except ValidationFailed as error:
        return [CheckResult("settings", False, error.message)]
    # An unsaved inbox: the check reads nothing but its settings.
    return check_inbox(Inbox(kind=InboxKind.EMAIL, config=config))


@require_POST
@admin_only
def email_retry(request: HttpRequest, inbox_id: int, raw_id: int) -> HttpResponse:
    inbox = email_inbox(request, inbox_id)
    try:
        raw = actions.retry_raw_email(actor=admin(request), inbox=inbox, raw_id=raw_id)
    except RapportError as error:
        messages.error(request, error.message)
    else:
        if raw.state == RawState.UNPROCESSABLE:
            messages.error(request, f"Still unprocessable: {raw.error}")
        else:
            messages.success(request, f"Processed: {raw.get_state_display().lower()}")
    return redirect(reverse("settings_inbox_email", args=[inbox.pk]) + "#stuck-mail")
