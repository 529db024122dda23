"""The inbox list, a new web form or API inbox, and the general settings of any inbox."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from rapport.accounts.views.common import admin, admin_only, form_page
from rapport.inboxes import actions
from rapport.inboxes.actions import CONFIG_KEYS
from rapport.inboxes.adapters.email import health
from rapport.inboxes.forms import InboxForm, initial_for
from rapport.inboxes.models import Inbox, InboxKind
from rapport.inboxes.views.access import settings_inbox


def public_link(request: HttpRequest, inbox: Inbox) -> str:
    return request.build_absolute_uri(reverse("webform", args=[inbox.public_key]))


@admin_only
def inbox_list(request: HttpRequest) -> HttpResponse:
    inboxes = list(Inbox.objects.annotate(member_count=Count("members", distinct=True)))
    failing = health.statuses([inbox.pk for inbox in inboxes if inbox.kind == InboxKind.EMAIL])
    rows = [(inbox, public_link(request, inbox), failing.get(inbox.pk)) for inbox in inboxes]
    return render(request, "inboxes/settings/list.html", {"rows": rows, "section": "inboxes"})


@admin_only
def inbox_new(request: HttpRequest) -> HttpResponse:
    form = InboxForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        inbox = actions.create_inbox(
            actor=admin(request),
            name=data["name"],
            kind=data["kind"],
            greeting=data["greeting"],
            config=form.config(data["kind"]),
            members=data["members"],
        )
        messages.success(request, f"Created the inbox {inbox}")
        return reverse("settings_inbox", args=[inbox.pk])

    kinds = [(kind, InboxKind(kind).label) for kind in CONFIG_KEYS]
    context = {"section": "inboxes", "kinds": kinds}
    return form_page(request, form, "inboxes/settings/form.html", save, context)


@admin_only
def inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = settings_inbox(request, inbox_id)
    form = InboxForm(request.POST or None, inbox=inbox, initial=initial_for(inbox))

    def save(data: dict[str, Any]) -> str:
        actions.update_inbox(
            actor=admin(request),
            inbox=inbox,
            name=data["name"],
            # E-mail and chat inboxes have no greeting on this form: keep theirs.
            greeting=data.get("greeting", inbox.greeting),
            is_active=data["is_active"],
            config=form.config(inbox.kind),
            members=data["members"],
        )
        messages.success(request, f"Saved {inbox}")
        return reverse("settings_inbox", args=[inbox.pk])

    context = {
        "section": "inboxes",
        "inbox": inbox,
        "tab": "general",
        "public_link": public_link(request, inbox),
        "has_settings_here": inbox.kind in CONFIG_KEYS,
    }
    return form_page(request, form, "inboxes/settings/form.html", save, context)
