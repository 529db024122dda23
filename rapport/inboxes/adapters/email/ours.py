"""Recognising our own mail, whichever way it comes back in: it is never a new conversation.

Ours is: From any address of our inboxes (every e-mail inbox's addresses, a chat or web
form's sender or reply address), the server's default and error senders (notifications
to staff), or a Message-ID we generated (``rapport.…@`` a domain of ours). Such mail is
ignored with the reason, so a mail loop between two of our inboxes, an inbox writing to
itself or a bounced notification never makes a customer of ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.models import Inbox

_SENDER_SETTINGS = ("from_email", "reply_to")


@dataclass(frozen=True)
class OurAddresses:
    """Every address we send from, with the inbox (or setting) that owns it."""

    owners: dict[str, str]

    @property
    def domains(self) -> set[str]:
        return {address.rpartition("@")[2] for address in self.owners}


def our_addresses() -> OurAddresses:
    """Read once per batch: one query over the inboxes (there are few)."""
    owners: dict[str, str] = {}
    for name in ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"):
        address = _bare(str(getattr(settings, name, "") or ""))
        if address:
            owners.setdefault(address, f"the server's {name}")
    for inbox in Inbox.objects.only("pk", "config"):
        config = inbox.config or {}
        found = list(config.get("addresses") or [])
        found += [config.get(key) for key in _SENDER_SETTINGS]
        for value in found:
            if isinstance(value, str) and _bare(value):
                owners.setdefault(_bare(value), f"inbox {inbox.pk}")
    return OurAddresses(owners)


def own_mail_reason(*, from_address: str, message_id: str, ours: OurAddresses) -> str:
    """Why this mail is ours ("" when it is not)."""
    owner = ours.owners.get(from_address.lower())
    if owner:
        return f"our own mail: sent from {from_address} ({owner})"
    if tokens.is_ours(message_id):
        return "our own message came back (loop)"
    local, _, domain = message_id.rpartition("@")
    if local.lower().startswith("rapport.") and domain.lower() in ours.domains:
        return f"our own mail: Message-ID <{message_id}> is one we generate"
    return ""


def _bare(value: str) -> str:
    """The address of ``Name <addr>`` or ``addr``, lower-cased."""
    from email.utils import parseaddr

    return parseaddr(value)[1].strip().lower()
