"""Every write to inboxes: creating one, changing its name, texts, members and settings.

``clean_config`` (in ``actions.config``) asks the inbox's channel which settings it takes,
so the settings pages, the API and the CLI all store the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from rapport.accounts.models import User
from rapport.core import audit
from rapport.core.errors import ValidationFailed
from rapport.inboxes.actions.config import clean_config
from rapport.inboxes.models import Inbox

__all__ = [
    "clean_config",
    "create_inbox",
    "remember_provider_data",
    "renew_credentials",
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

    ``config`` None keeps the inbox's settings as they are (channels with a settings tab
    of their own keep theirs there, see ``update_inbox_settings``).
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
    """Change the settings of an inbox's channel (and the greeting, where its tab has it).

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


def renew_credentials(
    *, inbox: Inbox, expected: Mapping[str, Any], renewed: Mapping[str, str]
) -> bool:
    """Store credentials the provider renewed by itself (X's OAuth tokens, which rotate on
    every refresh), if the stored ones are still ``expected``: a compare-and-set, so of two
    sends that renewed at once the first one's tokens stay. No person changed anything, so
    no audit entry. Returns whether they were stored."""
    with transaction.atomic():
        config = (
            Inbox.objects.select_for_update()
            .filter(pk=inbox.pk)
            .values_list("config", flat=True)
            .first()
        )
        if config is None or any(config.get(key) != value for key, value in expected.items()):
            return False
        inbox.config = {**config, **renewed}
        Inbox.objects.filter(pk=inbox.pk).update(config=inbox.config)
    return True


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("an inbox needs a name")
    return name[:100]


def remember_provider_data(*, inbox: Inbox, values: Mapping[str, Any]) -> Inbox:
    """Keep what a channel read from its provider (WhatsApp's approved templates) in the
    inbox's config beside its settings. Not a change of settings, so not audited; the
    channel's ``clean_config`` carries these keys over when the settings are saved."""
    with transaction.atomic():
        locked = Inbox.objects.select_for_update().get(pk=inbox.pk)
        locked.config = {**locked.config, **values}
        locked.save(update_fields=["config"])
    inbox.config = locked.config
    return inbox
