"""The key that makes one delivered mail one message, and two different mails two.

In order: the Message-ID as written in the raw header text, with the sender (another
sender reusing an id cannot make a customer's mail look like a repeat); else the
provider's own id of the delivery (Postmark's MessageID); else a hash of the bytes as
received. The key becomes the message's external id, which is unique per inbox (a
database constraint), so a repeat — also one racing in parallel — is caught by the
database.

The Message-ID comes first because it is the one id the same mail carries on every way
in: a mailbox read by IMAP *and* forwarded to a provider's webhook, or a mail to two of
the inbox's addresses (two provider deliveries, two provider ids), is one customer mail
and one message. The provider's id only names a delivery, so it serves where the mail
has no Message-ID of its own (a replayed post built from fields).

The Message-ID is read from the raw bytes (``headers.raw_message_id``), not from
``policy.default``'s parse: that parser turns ``<Re: tok-1.5@cust.example>``,
``<order 1@shop>`` and ``<>`` into the same ``<Re`` or nothing, which merged different mails.
"""

from __future__ import annotations

import hashlib

from rapport.inboxes.adapters.email.headers import raw_message_id


def dedupe_key(mail: bytes, *, sender: str, provider_id: str = "", fingerprint: str = "") -> str:
    """The identity of one delivered mail (see the module docstring)."""
    message_id = raw_message_id(mail)
    if message_id:
        return f"message-id:{message_id}\n{sender.lower()}"
    if provider_id:
        return f"provider:{provider_id}"
    return f"sha256:{fingerprint or hashlib.sha256(mail).hexdigest()}"


def external_id(key: str) -> str:
    """The message's external id for ``key``: short, fixed length, unique per inbox."""
    return f"email:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:48]}"
