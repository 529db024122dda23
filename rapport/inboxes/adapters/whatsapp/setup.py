"""Connecting a WhatsApp Cloud API number: the settings form, and the check of what was
typed against the Graph API before it is saved, with each failure in plain words."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from django import forms

from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.whatsapp import graph
from rapport.inboxes.adapters.whatsapp.templates import from_stored
from rapport.inboxes.channels import ChannelSettingsForm, secret_field

NUMERIC_ID = re.compile(r"[0-9]{5,30}")
WHERE = "in the Meta app's dashboard, WhatsApp → API Setup"


class WhatsAppSettingsForm(ChannelSettingsForm):
    phone_number_id = forms.CharField(
        max_length=30,
        label="Phone number ID",
        help_text=f"The number's ID {WHERE} (digits, not the phone number itself).",
    )
    business_account_id = forms.CharField(
        max_length=30,
        label="WhatsApp Business Account ID",
        help_text=f"Also {WHERE}; the approved templates are read from it.",
    )
    access_token = secret_field(
        "Access token",
        max_length=1000,
        help_text="A permanent token of a system user (Business Settings → System users) with"
        " whatsapp_business_messaging. Left empty, the stored one is kept.",
    )
    app_secret = secret_field(
        "App secret",
        max_length=100,
        help_text="App settings → Basic: checks that webhooks come from Meta. Left empty, the"
        " stored one is kept.",
    )
    verify_token = forms.CharField(
        required=False,
        max_length=100,
        label="Verify token",
        help_text="Any word you paste into the webhook settings with the URL; left empty,"
        " Rapport makes one.",
    )

    def clean(self) -> dict[str, Any]:
        """Check the number and token with Meta before anything is saved."""
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        token = str(cleaned.get("access_token") or "").strip() or str(
            self.stored.get("access_token", "")
        )
        number_id = str(cleaned.get("phone_number_id") or "").strip()
        if token and NUMERIC_ID.fullmatch(number_id):
            try:
                found = check_number(number_id, token)
            except ValidationFailed as error:
                raise forms.ValidationError(error.message) from None
            cleaned["display_phone_number"] = found.get("display_phone_number", "")
            cleaned["verified_name"] = found.get("verified_name", "")
        return cleaned

    def config(self) -> dict[str, Any]:
        config = super().config()
        for name in ("display_phone_number", "verified_name"):
            config[name] = self.cleaned_data.get(name, "")
        return config


def check_number(phone_number_id: str, token: str) -> dict[str, Any]:
    """What Meta says of the number (its display number and verified name), or the reason
    it said nothing, in words: a bad token, a wrong id, Meta unreachable."""
    try:
        return graph.call(
            "GET",
            graph.url(phone_number_id),
            token,
            params={"fields": "display_phone_number,verified_name"},
        )
    except graph.GraphError as error:
        raise ValidationFailed(check_words(error, phone_number_id)) from None


def check_words(error: graph.GraphError, phone_number_id: str) -> str:
    said = error.said or error.words
    if error.status in (0, -1) or error.status >= 500:
        return (
            f"Meta's Graph API could not be reached to check the settings ({error.words})."
            " Check that this server can reach graph.facebook.com, then save again."
        )
    if error.status == 401 or error.code == 190:
        return (
            "Meta refused the access token: it is mistyped, expired or revoked. Create a"
            " permanent token for a system user (Business Settings → System users) and paste"
            f" it again. Meta said: {said}"
        )
    if error.code in (10, 200) or error.status == 403:
        return (
            "The access token may not use this number: give its system user the"
            " whatsapp_business_messaging permission and access to the WhatsApp account."
            f" Meta said: {said}"
        )
    if error.code == 100 or error.status in (400, 404):
        return (
            f"Meta knows no phone number with the ID {phone_number_id} that this token can"
            f" see. Copy the Phone number ID {WHERE}. Meta said: {said}"
        )
    return f"Meta refused the settings: {said}"


def clean_whatsapp(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """The settings to store; blank secrets keep the stored ones, a blank verify token
    keeps the stored one or gets a new one. Fetched templates are kept."""
    config: dict[str, Any] = {}
    for name, words in (
        ("phone_number_id", "phone number ID"),
        ("business_account_id", "WhatsApp Business Account ID"),
    ):
        value = str(values.get(name) or "").strip()
        if not NUMERIC_ID.fullmatch(value):
            raise ValidationFailed(f"the {words} is a number of digits ({WHERE})")
        config[name] = value
    for name, words in (("access_token", "access token"), ("app_secret", "app secret")):
        value = str(values.get(name) or "").strip() or str(previous.get(name, ""))
        if not value:
            raise ValidationFailed(f"the {words} is needed ({WHERE})")
        config[name] = value
    config["verify_token"] = (
        str(values.get("verify_token") or "").strip()
        or str(previous.get("verify_token", ""))
        or secrets.token_urlsafe(18)
    )
    for name in ("display_phone_number", "verified_name"):
        config[name] = str(values.get(name) or previous.get(name) or "")[:100]
    templates = values.get("templates", previous.get("templates"))
    if isinstance(templates, list):  # as fetched (or the demo's): kept in their shape
        config["templates"] = [from_stored(t).stored() for t in templates if isinstance(t, dict)]
        config["templates_fetched_at"] = str(
            values.get("templates_fetched_at") or previous.get("templates_fetched_at") or ""
        )
    return config
