"""The API channel: a shop or app posts customers' messages (``POST /api/v1/inboxes/<id>/
messages``, in ``inboxes/api.py``); agents' replies are POSTed to its webhook URL, signed."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from rapport.conversations.models import Message
from rapport.core import safe_http
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.api import adapter
from rapport.inboxes.channels import Channel, ChannelSettingsForm
from rapport.outbox.models import Delivery
from rapport.outbox.senders import Handed

KIND = "api"


class ApiSettingsForm(ChannelSettingsForm):
    webhook_url = forms.URLField(
        required=False,
        label="Webhook URL",
        assume_scheme="https",
        help_text="Agents' replies are POSTed here, signed with the secret. Only public"
        " addresses: internal ones (localhost, private networks) are refused.",
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        label="Webhook secret",
        help_text="Empty: Rapport makes one. Receivers check X-Rapport-Signature with it.",
    )

    def clean_webhook_url(self) -> str:
        """Internal targets are refused on the field (see ``core.safe_http``)."""
        url = str(self.cleaned_data.get("webhook_url") or "")
        if url.startswith(("http://", "https://")):  # other schemes: clean_config says why
            try:
                safe_http.check_url_to_save(url)
            except safe_http.UnsafeURL as error:
                raise forms.ValidationError(error.message) from None
        return url


class ApiChannel(Channel):
    kind = KIND
    label = "API"
    icon = "code"
    tint = ("#f1ebfe", "#6d28d9")
    address_kind = "api"
    settings_form = ApiSettingsForm
    settings_title = "API channel"
    # Its webhook carries X-Rapport-Delivery, the same on every attempt: the receiver
    # recognises a repeat, so a lost answer may simply be sent again.
    repeat_safe = True

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        url = str(values.get("webhook_url") or "").strip()
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise ValidationFailed(
                    "the webhook URL must be an http:// or https:// URL"
                ) from None
            # Refused at save, and checked again at every send after DNS resolution.
            try:
                safe_http.check_url_to_save(url)
            except safe_http.UnsafeURL as error:
                raise ValidationFailed(f"webhook URL: {error.message}") from None
        # Every API inbox signs its webhooks; a secret nobody chose is still a secret.
        secret = str(values.get("webhook_secret") or "").strip() or secrets.token_urlsafe(32)
        return {"webhook_url": url, "webhook_secret": secret} if url else {"webhook_secret": secret}

    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        return adapter.ApiChannelAdapter().send(delivery, message)
