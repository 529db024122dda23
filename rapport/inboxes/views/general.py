"""The inbox list, a new inbox, and the general settings of any inbox.

Channels without a settings tab of their own (web form, API) keep their few settings on
the General page: the channel's form is shown there, under the fields every inbox has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rapport.accounts.views.common import admin, admin_only
from rapport.core.errors import RapportError
from rapport.inboxes import actions, channels
from rapport.inboxes.channels import Channel, ChannelSettingsForm, PublicLink
from rapport.inboxes.forms import InboxForm, initial_for
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import problems_by_inbox
from rapport.inboxes.views.access import settings_inbox
from rapport.inboxes.views.channel import new_url, tab_url


def on_general_page() -> list[Channel]:
    """The channels whose settings sit on the General page (and are picked from its list)."""
    return [c for c in channels.all_channels() if c.settings_tab is None and c.settings_form]


def with_tab() -> list[Channel]:
    """The channels set up on a tab of their own ("Other channels" on New inbox)."""
    return [c for c in channels.all_channels() if c.settings_tab is not None]


@admin_only
def inbox_list(request: HttpRequest) -> HttpResponse:
    inboxes = list(
        Inbox.objects.annotate(member_count=Count("members", distinct=True)).order_by("name")
    )
    problems = problems_by_inbox(inboxes)
    rows = [(*_row(request, inbox), problems.get(inbox.pk)) for inbox in inboxes]
    return render(request, "inboxes/settings/list.html", {"rows": rows, "section": "inboxes"})


def _row(request: HttpRequest, inbox: Inbox) -> tuple[Inbox, Channel | None, PublicLink | None]:
    channel = channels.find(inbox.kind)
    link = channel.public_link(request, inbox) if channel is not None else None
    return inbox, channel, link


@admin_only
def inbox_new(request: HttpRequest) -> HttpResponse:
    kinds = on_general_page()
    form = InboxForm(request.POST or None, kinds=kinds)
    chosen = {c.kind: c for c in kinds}.get(str(request.POST.get("kind")))
    sections = [(c, _settings_form(c, request.POST if c is chosen else None, None)) for c in kinds]

    def save(settings_form: ChannelSettingsForm | None) -> str:
        data = form.cleaned_data
        inbox = actions.create_inbox(
            actor=admin(request),
            name=data["name"],
            kind=data["kind"],
            greeting=data["greeting"],
            config=settings_form.config() if settings_form is not None else {},
            members=data["members"],
        )
        messages.success(request, f"Created the inbox {inbox}")
        return reverse("settings_inbox", args=[inbox.pk])

    chosen_form = next((f for c, f in sections if c is chosen), None)
    context = {"kinds": kinds, "others": [(c, new_url(c)) for c in with_tab()]}
    return _page(request, form, chosen_form, sections, save, context)


@admin_only
def inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = settings_inbox(request, inbox_id)
    channel = channels.find(inbox.kind)
    here = channel is not None and channel in on_general_page()
    form = InboxForm(request.POST or None, inbox=inbox, initial=initial_for(inbox))
    if channel is not None and channel.settings_tab is not None:
        del form.fields["greeting"]  # a channel with a tab keeps its greeting there, if any
    settings_form = _settings_form(channel, request.POST or None, inbox) if here else None

    def save(settings_form: ChannelSettingsForm | None) -> str:
        data = form.cleaned_data
        actions.update_inbox(
            actor=admin(request),
            inbox=inbox,
            name=data["name"],
            greeting=data.get("greeting", inbox.greeting),
            is_active=data["is_active"],
            config=settings_form.config() if settings_form is not None else None,
            members=data["members"],
        )
        messages.success(request, f"Saved {inbox}")
        return reverse("settings_inbox", args=[inbox.pk])

    sections = [(channel, settings_form)] if channel and settings_form else []
    context = {
        "inbox": inbox,
        "channel": channel,
        "tab": "general",
        "channel_tab_url": tab_url(inbox) if channel and channel.settings_tab else "",
        "public_link": channel.public_link(request, inbox) if channel is not None else None,
    }
    return _page(request, form, settings_form, sections, save, context)


def _settings_form(
    channel: Channel | None, data: Any, inbox: Inbox | None
) -> ChannelSettingsForm | None:
    if channel is None or channel.settings_form is None:
        return None
    if inbox is None:
        return channel.settings_form(data)
    return channel.settings_form(data, initial=channel.initial(inbox), stored=inbox.config)


def _page(
    request: HttpRequest,
    form: InboxForm,
    settings_form: ChannelSettingsForm | None,
    sections: Sequence[tuple[Channel, ChannelSettingsForm | None]],
    save: Any,
    context: dict[str, Any],
) -> HttpResponse:
    """The General page; on a valid POST the action runs, and a refusal shows on the form."""
    status = 200
    if request.method == "POST":
        if form.is_valid() and (settings_form is None or settings_form.is_valid()):
            try:
                return redirect(save(settings_form))
            except RapportError as error:
                form.add_error(None, error.message)
                status = error.status_code
        else:
            status = 400
    context = context | {"section": "inboxes", "form": form, "sections": sections}
    return render(request, "inboxes/settings/form.html", context, status=status)
