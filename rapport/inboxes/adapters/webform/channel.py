"""The web-form channel: a public contact page per inbox; replies go out by e-mail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse

from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.actions.config import check_address
from rapport.inboxes.adapters.webform import adapter
from rapport.inboxes.channels import Channel, ChannelSettingsForm, PublicLink
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery
from rapport.outbox.senders import Handed

KIND = "webform"
DEFAULT_ACCENT = "#4f46e5"
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
SETTINGS = ("accent_color", "title", "from_email")


class WebFormSettingsForm(ChannelSettingsForm):
    accent_color = forms.CharField(
        required=False,
        initial=DEFAULT_ACCENT,
        label="Accent colour",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    title = forms.CharField(required=False, max_length=120, label="Form title")
    from_email = forms.EmailField(
        required=False, label="Replies come from", help_text="Empty: the server's default sender."
    )


class WebFormChannel(Channel):
    kind = KIND
    label = "Web form"
    icon = "globe"
    tint = ("#e8f1fd", "#1f5fbf")
    replies_by_email = True
    address_kind = "email"
    settings_form = WebFormSettingsForm
    settings_fields_template = "webform/settings_fields.html"
    url_prefix = "f"

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        config = {key: str(values.get(key) or "").strip() for key in SETTINGS}
        if config["accent_color"] and not HEX_COLOUR.match(config["accent_color"]):
            raise ValidationFailed("the accent colour must be a hex colour such as #4f46e5")
        if config["from_email"]:
            check_address(config["from_email"])
        return {key: value for key, value in config.items() if value}

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return {"accent_color": DEFAULT_ACCENT, **inbox.config}

    def public_link(self, request: HttpRequest, inbox: Inbox) -> PublicLink | None:
        url = request.build_absolute_uri(reverse("webform", args=[inbox.public_key]))
        return PublicLink(
            url=url,
            title="Public contact form",
            help="Link to it or embed it in an iframe on your website.",
            open_label="Open the form",
        )

    def inbound_urls(self) -> list[Any]:
        from rapport.inboxes.adapters.webform.urls import urlpatterns

        return list(urlpatterns)

    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        return adapter.WebFormAdapter().send(delivery, message)
