"""Signed reply tokens: our Message-IDs and Reply-To addresses carry an HMAC.

A reply that quotes one of our Message-IDs (In-Reply-To/References) or writes to a token
address proves it answers mail we sent into that conversation. The HMAC makes a token
unguessable; it is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

_MESSAGE_ID = re.compile(r"^rapport\.(\d{1,18})\.(\d{1,18})\.(\d{1,18})\.([0-9a-f]{20})@", re.I)
_TOKEN_ADDRESS = re.compile(r"\+r(\d{1,18})-(\d{1,18})-([0-9a-f]{20})@", re.I)


@dataclass(frozen=True)
class Token:
    inbox_id: int
    conversation_id: int


def _sign(*parts: object) -> str:
    key = f"rapport.email.token:{settings.SECRET_KEY}".encode()
    data = ":".join(str(part) for part in parts).encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:20]


def message_id_for(*, inbox_id: int, conversation_id: int, message_id: int, domain: str) -> str:
    """``rapport.<inbox>.<conversation>.<message>.<hmac>@<domain>`` (without brackets)."""
    signature = _sign("mid", inbox_id, conversation_id, message_id)
    return f"rapport.{inbox_id}.{conversation_id}.{message_id}.{signature}@{domain}"


def reply_address_for(*, address: str, inbox_id: int, conversation_id: int) -> str:
    """``support+r<inbox>-<conversation>-<hmac>@example.com`` for the Reply-To header."""
    local, _, domain = address.partition("@")
    signature = _sign("addr", inbox_id, conversation_id)
    return f"{local}+r{inbox_id}-{conversation_id}-{signature}@{domain}"


def read_message_id(value: str) -> Token | None:
    """The conversation a Message-ID of ours points to, if its signature is genuine."""
    match = _MESSAGE_ID.match(value)
    if match is None:
        return None
    inbox_id, conversation_id, message_id, signature = match.groups()
    expected = _sign("mid", int(inbox_id), int(conversation_id), int(message_id))
    if not hmac.compare_digest(expected, signature.lower()):
        return None
    return Token(int(inbox_id), int(conversation_id))


def read_reply_address(address: str) -> Token | None:
    match = _TOKEN_ADDRESS.search(address)
    if match is None:
        return None
    inbox_id, conversation_id, signature = match.groups()
    expected = _sign("addr", int(inbox_id), int(conversation_id))
    if not hmac.compare_digest(expected, signature.lower()):
        return None
    return Token(int(inbox_id), int(conversation_id))


def is_ours(message_id: str) -> bool:
    """True for a Message-ID we generated (genuine signature): our own mail came back."""
    return read_message_id(message_id) is not None
