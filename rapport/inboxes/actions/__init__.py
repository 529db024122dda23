"""Every write to inboxes: creating one, changing its name, texts, members and settings,
and retrying an e-mail inbox's mail that could not be processed.

``clean_config`` (in ``actions.config``) is the one place that knows which settings each
kind of inbox takes, so the settings pages, the API and the CLI all store the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from rapport.accounts.models import User
from rapport.core import audit
from rapport.core.errors import NotFound, ValidationFailed
from rapport.inboxes.actions.config import CONFIG_KEYS, clean_config
from rapport.inboxes.adapters.email.ingest import retry
from rapport.inboxes.adapters.email.models import RawEmail
from rapport.inboxes.models import Inbox, InboxKind

__all__ = [
    "CONFIG_KEYS",
    "clean_config",
    "create_inbox",
    "retry_raw_email",
    "update_inbox",
    "update_inbox_settings",
]


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

    ``config`` None keeps the inbox's settings as they are (e-mail and chat inboxes keep
    theirs on their own settings tab, see ``update_inbox_settings``).
    """
    chosen = list(members)
    with transaction.atomic():
        inbox.name = _check_name(name)
        inbox.greeting = greeting.strip()
        inbox.is_active = is_active
        if config is not None:
            inbox.config = clean_config(inbox.kind, config, inbox.config)
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


def update_inbox_settings(
    *, actor: User, inbox: Inbox, config: Mapping[str, Any], greeting: str | None = None
) -> Inbox:
    """Change the channel settings of an e-mail or chat inbox (and the chat greeting).

    An empty secret in ``config`` keeps the stored one: the settings pages never show them.
    """
    cleaned = clean_config(inbox.kind, config, inbox.config)
    with transaction.atomic():
        inbox.config = cleaned
        if greeting is not None:
            inbox.greeting = greeting.strip()
        inbox.save(update_fields=["config", "greeting"])
        audit.record(
            actor=actor, verb="inbox.settings_changed", obj=inbox, config_keys=sorted(cleaned)
        )
    return inbox


def retry_raw_email(*, actor: User, inbox: Inbox, raw_id: int) -> RawEmail:
    """Process one of an e-mail inbox's stored but unprocessed mails again (after a fix)."""
    if inbox.kind != InboxKind.EMAIL:
        raise ValidationFailed(f"{inbox} is not an e-mail inbox")
    raw = RawEmail.objects.select_related("inbox").filter(pk=raw_id, inbox=inbox).first()
    if raw is None:
        raise NotFound(f"mail {raw_id} not found in {inbox}")
    if raw.is_done:
        raise ValidationFailed("this mail was processed already")
    if not raw.size:  # a row whose bytes never arrived cannot be parsed
        raise ValidationFailed("this mail has no stored bytes to process")
    retry(raw)
    audit.record(actor=actor, verb="email.retried", obj=inbox, raw=raw.pk, state=raw.state)
    return raw


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("an inbox needs a name")
    return name[:100]
