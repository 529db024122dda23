"""A channel's settings tab, and a new inbox of a channel that has one: one shape for all.

The channel brings its form, its page (a template extending ``channel.html``) and what the
page shows beside the form (``Channel.settings_context``); this view parses the form and
calls the action, for e-mail, chat and any channel registered later.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rapport.accounts.views.common import admin, admin_only
from rapport.core.errors import RapportError, ValidationFailed
from rapport.inboxes import actions, channels
from rapport.inboxes.channels import Channel, ChannelSettingsForm, SettingsTab
from rapport.inboxes.forms import ChannelBasicsForm
from rapport.inboxes.models import Inbox
from rapport.inboxes.views.access import settings_inbox


def tabbed_channel(kind: str) -> tuple[Channel, SettingsTab]:
    """The channel of ``kind`` if it has a settings tab; otherwise the page does not exist."""
    try:
        channel = channels.get(kind)
    except ValidationFailed:
        raise Http404(f"no channel {kind[:20]!r}") from None
    if channel.settings_tab is None or channel.settings_form is None:
        raise Http404(f"the {channel.label} channel has no settings tab")
    return channel, channel.settings_tab


def webhook_url(channel: Channel, inbox: Inbox | None) -> str:
    """Where the provider posts (to paste into its console); "" before the inbox exists."""
    if inbox is None or not channel.takes_webhooks:
        return ""
    return settings.SITE_URL + reverse("channel_inbound", args=[channel.kind, inbox.public_key])


def tab_url(inbox: Inbox) -> str:
    return reverse(f"settings_inbox_{inbox.kind}", args=[inbox.pk])


def new_url(channel: Channel) -> str:
    return reverse(f"settings_inbox_new_{channel.kind}")


@admin_only
def channel_new(request: HttpRequest, kind: str) -> HttpResponse:
    channel, tab = tabbed_channel(kind)
    assert channel.settings_form is not None
    basics = ChannelBasicsForm(request.POST or None)
    form = channel.settings_form(request.POST or None)

    def save() -> str:
        inbox = actions.create_inbox(
            actor=admin(request),
            name=basics.cleaned_data["name"],
            kind=channel.kind,
            greeting=form.cleaned_data.get("greeting") or "",
            config=form.config(),
            members=basics.cleaned_data["members"],
        )
        messages.success(request, f"Created the {tab.noun} inbox {inbox}{tab.after_create}")
        _connect(request, channel, inbox)
        return tab_url(inbox)

    return _page(request, channel, None, form, save, basics)


@admin_only
def channel_settings(request: HttpRequest, inbox_id: int, kind: str) -> HttpResponse:
    channel, tab = tabbed_channel(kind)
    assert channel.settings_form is not None
    inbox = settings_inbox(request, inbox_id, channel.kind)
    form = channel.settings_form(
        request.POST or None, initial=channel.initial(inbox), stored=inbox.config
    )

    def save() -> str:
        actions.update_inbox_settings(
            actor=admin(request),
            inbox=inbox,
            config=form.config(),
            greeting=form.cleaned_data.get("greeting"),
        )
        messages.success(request, f"Saved the {tab.noun} settings of {inbox}")
        _connect(request, channel, inbox)
        return tab_url(inbox)

    return _page(request, channel, inbox, form, save)


def _connect(request: HttpRequest, channel: Channel, inbox: Inbox) -> None:
    """Tell the provider where to post (``Channel.connect``); a problem is shown on the tab,
    which also shows the provider's own word on the webhook where the channel has one."""
    problem = channel.connect(inbox)
    if problem:
        messages.warning(request, problem)


def _page(
    request: HttpRequest,
    channel: Channel,
    inbox: Inbox | None,
    form: ChannelSettingsForm,
    save: Any,
    basics: ChannelBasicsForm | None = None,
) -> HttpResponse:
    """Show the tab; on a valid POST save and go on. A refusal shows on the form."""
    status = 200
    if request.method == "POST":
        if form.is_valid() and (basics is None or basics.is_valid()):
            try:
                return redirect(save())
            except RapportError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    context = {
        "section": "inboxes",
        "channel": channel,
        "inbox": inbox,
        "tab": channel.kind,
        "channel_tab_url": tab_url(inbox) if inbox is not None else "",
        "form": form,
        "basics": basics,
        "webhook_url": webhook_url(channel, inbox),
        **channel.settings_context(request, inbox),
    }
    assert channel.settings_tab is not None
    return render(request, channel.settings_tab.template, context, status=status)
