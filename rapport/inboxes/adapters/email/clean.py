"""An e-mail inbox's settings, checked by the channel's own schema before they are stored.

Secrets are write-only on the settings page: an empty secret keeps the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as SchemaError

from rapport.core.errors import ValidationFailed
from rapport.inboxes.actions.config import check_address
from rapport.inboxes.adapters.email.config import EmailInboxConfig

# Secrets of an e-mail inbox as (section, key); section "" is the top level.
EMAIL_SECRETS = (
    ("imap", "password"),
    ("smtp", "password"),
    ("", "webhook_basic_auth"),
    ("", "webhook_signing_key"),
)


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
