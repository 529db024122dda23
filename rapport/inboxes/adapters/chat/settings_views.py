"""The chat inbox's settings extras: the embed snippet, and a page with the widget on it
to try it before pasting the snippet anywhere."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.accounts.views.common import admin_only
from rapport.inboxes.adapters.chat.config import chat_settings as widget_settings
from rapport.inboxes.models import Inbox
from rapport.inboxes.views.access import settings_inbox

KIND = "chat"


def embed_snippet(inbox: Inbox) -> str:
    """What a website pastes before ``</body>``: the widget script with the inbox's key."""
    return (
        f'<script src="{settings.SITE_URL}/static/chat/widget.js" '
        f'data-inbox="{inbox.public_key}" async></script>'
    )


@admin_only
def chat_try(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """A stand-in website with the widget of ``inbox_id``, served by Rapport itself."""
    inbox = settings_inbox(request, inbox_id, KIND)
    origin = f"{request.scheme}://{request.get_host()}"
    context = {"inbox": inbox, "refused": not widget_settings(inbox).origin_allowed(origin)}
    return render(request, "chat_channel/try.html", context)
