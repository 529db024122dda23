"""Recognising our own mail, whichever way it comes back in: it is never a new conversation.

Ours is: From any address of our inboxes (every e-mail inbox's addresses, a chat or web
form's sender or reply address), the server's default and error senders (notifications
to staff), or a Message-ID we generated (``rapport.…@`` a domain of ours). Such mail is
ignored with the reason, so a mail loop between two of our inboxes, an inbox writing to
itself or a bounced notification never makes a customer of ourselves.

One exception keeps customers' mail: a list or forwarder (a Google Group as the support
address, say) rewrites From to our address when the author's domain has a strict DMARC
policy, and keeps the author in Reply-To. From ours with a Reply-To that is not ours is
such a mail: its sender is the Reply-To (``rewritten_sender``).
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

    def owner_of(self, address: str) -> str:
        """Who owns ``address`` ("" if nobody): plus addresses (support+r1-2-ab@) count."""
        address = address.strip().lower()
        local, at, domain = address.partition("@")
        base = f"{local.split('+', 1)[0]}{at}{domain}"
        return self.owners.get(address) or self.owners.get(base, "")


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


def own_mail_reason(
    *, from_address: str, reply_to: str, message_id: str, ours: OurAddresses
) -> str:
    """Why this mail is ours ("" when it is not)."""
    if tokens.is_ours(message_id):
        return "our own message came back (loop)"
    local, _, domain = message_id.rpartition("@")
    if local.lower().startswith("rapport.") and domain.lower() in ours.domains:
        return f"our own mail: Message-ID <{message_id}> is one we generate"
    owner = ours.owner_of(from_address)
    if owner and not rewritten_sender(from_address=from_address, reply_to=reply_to, ours=ours):
        return f"our own mail: sent from {from_address} ({owner})"
    return ""


def rewritten_sender(*, from_address: str, reply_to: str, ours: OurAddresses) -> str:
    """The author of a mail whose From a list or forwarder rewrote to our address ("")."""
    if reply_to and ours.owner_of(from_address) and not ours.owner_of(reply_to):
        return reply_to.strip().lower()
    return ""


def _bare(value: str) -> str:
    """The address of ``Name <addr>`` or ``addr``, lower-cased."""
    from email.utils import parseaddr

    return parseaddr(value)[1].strip().lower()
