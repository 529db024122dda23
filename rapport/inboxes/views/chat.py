"""A chat inbox's settings tab: the widget's looks and hours, the embed snippet, the secret,
and a page with the widget on it, to try it before pasting the snippet anywhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from rapport.accounts.views.common import admin, admin_only, form_page
from rapport.inboxes import actions
from rapport.inboxes.adapters.chat.config import chat_settings as widget_settings
from rapport.inboxes.forms.chat import ChatSettingsForm, NewChatInboxForm, chat_initial
from rapport.inboxes.models import Inbox, InboxKind
from rapport.inboxes.views.access import settings_inbox

TEMPLATE = "inboxes/settings/chat.html"


def embed_snippet(inbox: Inbox) -> str:
    """What a website pastes before ``</body>``: the widget script with the inbox's key."""
    return (
        f'<script src="{settings.SITE_URL}/static/chat/widget.js" '
        f'data-inbox="{inbox.public_key}" async></script>'
    )


@admin_only
def chat_new(request: HttpRequest) -> HttpResponse:
    form = NewChatInboxForm(request.POST or None)

    def save(data: dict[str, Any]) -> str:
        inbox = actions.create_inbox(
            actor=admin(request),
            name=data["name"],
            kind=InboxKind.CHAT,
            greeting=data["greeting"],
            config=form.config(),
            members=data["members"],
        )
        messages.success(request, f"Created the chat inbox {inbox}: paste the snippet below")
        return reverse("settings_inbox_chat", args=[inbox.pk])

    return form_page(request, form, TEMPLATE, save, {"section": "inboxes"})


@admin_only
def chat_settings(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = settings_inbox(request, inbox_id, InboxKind.CHAT)
    form = ChatSettingsForm(
        request.POST or None, initial=chat_initial(inbox.greeting, inbox.config)
    )

    def save(data: dict[str, Any]) -> str:
        actions.update_inbox_settings(
            actor=admin(request), inbox=inbox, config=form.config(), greeting=data["greeting"]
        )
        messages.success(request, f"Saved the chat settings of {inbox}")
        return reverse("settings_inbox_chat", args=[inbox.pk])

    context = {
        "section": "inboxes",
        "inbox": inbox,
        "tab": "chat",
        "snippet": embed_snippet(inbox),
        "identity_secret": inbox.setting("identity_secret", ""),
    }
    return form_page(request, form, TEMPLATE, save, context)


@admin_only
def chat_try(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """A stand-in website with the widget of ``inbox_id``, served by Rapport itself."""
    inbox = settings_inbox(request, inbox_id, InboxKind.CHAT)
    origin = f"{request.scheme}://{request.get_host()}"
    context = {"inbox": inbox, "refused": not widget_settings(inbox).origin_allowed(origin)}
    return render(request, "inboxes/settings/chat_try.html", context)
