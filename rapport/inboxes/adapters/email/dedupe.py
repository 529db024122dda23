"""The key that makes one delivered mail one message, and two different mails two.

In order: the provider's own id of the mail (Postmark's MessageID), else the Message-ID
as written in the raw header text with the sender (another sender reusing an id cannot
make a customer's mail look like a repeat), else a hash of the bytes as received. The
key becomes the message's external id, which is unique per inbox (a database
constraint), so a repeat — also one racing in parallel — is caught by the database.

The Message-ID is read from the raw bytes, not from ``policy.default``'s parse: that
parser turns ``<Re: tok-1.5@cust.example>``, ``<order 1@shop>`` and ``<>`` into the same
``<Re`` or nothing, which merged different mails.
"""

from __future__ import annotations

import hashlib
import re

MAX_HEADER_BYTES = 256 * 1024  # the header block is read no further than this
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(rb"\r?\n[ \t]+")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE)


def raw_message_id(raw: bytes) -> str:
    """The first Message-ID header's id as written (without the brackets); "" if none.

    ``<>``, an empty value or only spaces count as none. UTF-8 is read as UTF-8 (RFC 6532);
    other bytes are kept as they are (surrogate escapes), so two ids differing in any byte
    stay different.
    """
    head = raw[:MAX_HEADER_BYTES]
    end = _HEADER_END.search(head)
    block = _FOLD.sub(b" ", head[: end.start()] if end else head)
    found = _MESSAGE_ID.search(block)
    if found is None:
        return ""
    value = found.group(1).strip()
    if value.startswith(b"<") and b">" in value:
        value = value[1 : value.index(b">")]
    return value.strip().decode("utf-8", "surrogateescape")[:998]


def dedupe_key(mail: bytes, *, sender: str, provider_id: str = "", fingerprint: str = "") -> str:
    """The identity of one delivered mail (see the module docstring)."""
    if provider_id:
        return f"provider:{provider_id}"
    message_id = raw_message_id(mail)
    if message_id:
        return f"message-id:{message_id}\n{sender.lower()}"
    return f"sha256:{fingerprint or hashlib.sha256(mail).hexdigest()}"


def external_id(key: str) -> str:
    """The message's external id for ``key``: short, fixed length, unique per inbox."""
    return f"email:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:48]}"
