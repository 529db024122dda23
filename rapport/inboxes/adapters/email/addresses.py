"""E-mail addresses: normalised for identities, safe for headers, and machine senders spotted."""

from __future__ import annotations

import re

from rapport.core.errors import ValidationFailed
from rapport.customers.identities import normalize_email

_NO_REPLY = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|"
    r"notifications?|alerts?|daemon|automated|robot)([-+_.].*)?@",
    re.IGNORECASE,
)


def clean_address(address: str) -> str:
    """The normalised address, or "" when it is not a deliverable address."""
    address = address.strip().strip("<>").strip()
    if not address or len(address) > 254 or any(not ch.isprintable() for ch in address):
        return ""
    try:
        return normalize_email(address)
    except ValidationFailed:
        return ""


def is_machine_sender(address: str) -> bool:
    """no-reply@, mailer-daemon@, notifications@... senders a person never reads."""
    return bool(_NO_REPLY.match(address))


def safe_display_name(name: str) -> str:
    """A name is data, never header syntax: no control characters (CR/LF injection)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())[:80]
