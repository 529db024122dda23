"""Which settings each kind of inbox takes, checked: the one place that knows their shape.

The settings pages, the API, the demo loader and the CLI all store what ``clean_config``
returns, so no caller can save settings that a channel would later refuse to load.
Secrets are write-only on the settings pages: an empty secret keeps the stored one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from pydantic import ValidationError as SchemaError

from rapport.core import safe_http
from rapport.core.errors import ValidationFailed
from rapport.inboxes.actions.chat_config import clean_chat
from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.models import InboxKind

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
# The kinds whose few settings sit on the inbox's general form.
CONFIG_KEYS = {
    InboxKind.WEBFORM: ("accent_color", "title", "from_email"),
    InboxKind.API: ("webhook_url", "webhook_secret"),
}
# Secrets of an e-mail inbox as (section, key); section "" is the top level.
EMAIL_SECRETS = (
    ("imap", "password"),
    ("smtp", "password"),
    ("", "webhook_basic_auth"),
    ("", "webhook_signing_key"),
)


def clean_config(
    kind: str, values: Mapping[str, Any], previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The settings of an inbox of ``kind``, checked; ``previous`` supplies kept secrets."""
    if kind == InboxKind.EMAIL:
        return clean_email(values, previous or {})
    if kind == InboxKind.CHAT:
        return clean_chat(values, previous or {})
    if kind not in CONFIG_KEYS:
        raise ValidationFailed(f"kind must be one of {sorted([*CONFIG_KEYS, 'chat', 'email'])}")
    config = {key: str(values.get(key) or "").strip() for key in CONFIG_KEYS[InboxKind(kind)]}
    if kind == InboxKind.WEBFORM:
        _check_webform(config)
    else:
        _check_api(config)
    return {key: value for key, value in config.items() if value}


def _check_webform(config: dict[str, str]) -> None:
    if config["accent_color"] and not HEX_COLOUR.match(config["accent_color"]):
        raise ValidationFailed("the accent colour must be a hex colour such as #4f46e5")
    if config["from_email"]:
        check_address(config["from_email"])


def check_address(address: str) -> None:
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{address[:100]!r} is not an e-mail address") from None


def _check_api(config: dict[str, str]) -> None:
    if config["webhook_url"]:
        try:
            URLValidator(schemes=["http", "https"])(config["webhook_url"])
        except ValidationError:
            raise ValidationFailed("the webhook URL must be an http:// or https:// URL") from None
        # Refused at save, and checked again at every send after DNS resolution.
        try:
            safe_http.check_url_to_save(config["webhook_url"])
        except safe_http.UnsafeURL as error:
            raise ValidationFailed(f"webhook URL: {error.message}") from None
    # Every API inbox signs its webhooks; a secret nobody chose is still a secret.
    config["webhook_secret"] = config["webhook_secret"] or secrets.token_urlsafe(32)


def clean_email(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """An e-mail inbox's settings, checked by the e-mail channel's own schema."""
    values = dict(values)
    if values.pop("forget_webhook_secrets", False):  # the admin turns provider webhooks off
        previous = {key: value for key, value in previous.items() if not key.startswith("webhook")}
    merged = _keep_email_secrets(values, previous)
    for address in merged.get("addresses") or []:
        check_address(str(address).strip())
    if not merged.get("addresses"):
        raise ValidationFailed("an e-mail inbox needs at least one address customers write to")
    try:
        config = EmailInboxConfig.model_validate(merged)
    except SchemaError as error:
        first = error.errors()[0]
        where = " ".join(str(part) for part in first["loc"]).replace("_", " ") or "settings"
        raise ValidationFailed(f"{where}: {first['msg']}") from None
    return config.model_dump(mode="json")


def _keep_email_secrets(values: dict[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    for section, key in EMAIL_SECRETS:
        new = values.get(section, {}) if section else values
        old = previous.get(section) or {} if section else previous
        if not isinstance(new, dict) or new.get(key) or not isinstance(old, Mapping):
            continue
        if section and new.get("password_env"):
            continue  # the password now comes from the environment: forget the stored one
        if old.get(key):
            new[key] = old[key]
    return values
