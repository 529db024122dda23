"""Every write to inboxes: creating one, and changing its name, texts, members and config.

``clean_config`` is the one place that knows which settings each kind of inbox takes, so
the settings pages, the API and the CLI all store the same shape.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from rapport.accounts.models import User
from rapport.core import audit
from rapport.core.errors import ValidationFailed
from rapport.inboxes.models import Inbox, InboxKind

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
CONFIG_KEYS = {
    InboxKind.WEBFORM: ("accent_color", "title", "from_email"),
    InboxKind.API: ("webhook_url", "webhook_secret"),
}


def clean_config(kind: str, values: Mapping[str, Any]) -> dict[str, str]:
    """The settings of an inbox of ``kind``, checked; unknown keys are dropped.

    Only the web form and API kinds are set up here; e-mail and chat inboxes keep the
    richer settings their own channel folders validate.
    """
    if kind not in CONFIG_KEYS:
        raise ValidationFailed(f"kind must be one of {sorted(CONFIG_KEYS)}")
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
        try:
            validate_email(config["from_email"])
        except ValidationError:
            address = config["from_email"][:100]
            raise ValidationFailed(f"{address!r} is not an e-mail address") from None


def _check_api(config: dict[str, str]) -> None:
    if config["webhook_url"]:
        try:
            URLValidator(schemes=["http", "https"])(config["webhook_url"])
        except ValidationError:
            raise ValidationFailed("the webhook URL must be an http:// or https:// URL") from None
    # Every API inbox signs its webhooks; a secret nobody chose is still a secret.
    config["webhook_secret"] = config["webhook_secret"] or secrets.token_urlsafe(32)


def create_inbox(
    *,
    actor: User,
    name: str,
    kind: str,
    greeting: str = "",
    config: Mapping[str, Any] | None = None,
    members: Iterable[User] = (),
) -> Inbox:
    """Switch on a channel: a new inbox of ``kind`` with its settings and members."""
    name = _check_name(name)
    cleaned = clean_config(kind, config or {})
    with transaction.atomic():
        inbox = Inbox.objects.create(
            name=name, kind=kind, greeting=greeting.strip(), config=cleaned
        )
        inbox.members.set(list(members))
        audit.record(actor=actor, verb="inbox.created", obj=inbox, name=name, kind=kind)
    return inbox


def update_inbox(
    *,
    actor: User,
    inbox: Inbox,
    name: str,
    greeting: str,
    is_active: bool,
    config: Mapping[str, Any] | None,
    members: Iterable[User],
) -> Inbox:
    """Change an inbox's name, greeting, on/off switch, settings and members.

    ``config`` None keeps the inbox's settings as they are (e-mail and chat inboxes).
    """
    chosen = list(members)
    with transaction.atomic():
        inbox.name = _check_name(name)
        inbox.greeting = greeting.strip()
        inbox.is_active = is_active
        if config is not None:
            inbox.config = clean_config(inbox.kind, config)
        inbox.save(update_fields=["name", "greeting", "is_active", "config"])
        inbox.members.set(chosen)
        audit.record(
            actor=actor,
            verb="inbox.updated",
            obj=inbox,
            name=inbox.name,
            is_active=is_active,
            config_keys=sorted(inbox.config),  # not the values: the secret stays out of the log
            members=sorted(member.pk for member in chosen),
        )
    return inbox


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("an inbox needs a name")
    return name[:100]
