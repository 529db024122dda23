"""Who sent a mail: read from From as written, recovered from a malformed From where that
is safe, else taken from Sender, Return-Path or Reply-To — and said so.

Real mail has From headers no parser accepts (``Test test@example.com``, a display name
with an unquoted ``@``, ``marc@example.com (Marc Smith)`` whose name is a comment). A
mail whose sender cannot be read is still a customer's mail: it reaches the inbox with
``uncertain`` set, which the agent sees on the message, instead of staying out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from rapport.inboxes.adapters.email import charsets, mime
from rapport.inboxes.adapters.email.addresses import clean_address

FALLBACK_HEADERS = ("Sender", "Return-Path", "Reply-To")

_ANGLE_ADDRESS = re.compile(r"^(?P<name>.*)<(?P<address>[^<>]*)>[^<>]*$", re.DOTALL)
# One whole word that is a plain address with a dotted domain, nothing glued to it.
_ADDRESS_WORD = re.compile(
    r"(?:^|(?<=[\s<(\"']))"
    r"(?P<address>[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"(?=$|[\s>)\"',;])"
)


@dataclass(frozen=True)
class Sender:
    name: str = ""
    address: str = ""  # normalised; "" when no address could be read at all
    uncertain: str = ""  # why the address is not exactly what From says ("" if it is)


def read_sender(message: Message) -> Sender:
    """The sender of ``message`` (see the module docstring); never raises."""
    written = mime.raw_header_text(message, "From")
    exact = exact_sender(written)
    if exact.address:
        return exact
    recovered = _recovered(written)
    if recovered.address:
        return recovered
    for header in FALLBACK_HEADERS:
        found = exact_sender(mime.raw_header_text(message, header))
        if found.address:
            note = f"the From header ({_shown(written)}) could not be read; address from {header}"
            return Sender(name=exact.name or found.name, address=found.address, uncertain=note)
    return Sender(name=exact.name)


def exact_sender(value: str) -> Sender:
    """The first address of a From-like header when it can be read without guessing."""
    value = value.strip()
    if not value:
        return Sender()
    angle = _ANGLE_ADDRESS.match(value)
    if angle:  # ``Name <address>``: the name may hold what parsers refuse (an ``@``)
        return Sender(
            name=_name(angle.group("name")), address=clean_address(angle.group("address"))
        )
    try:
        pairs = getaddresses([value])
    except Exception:  # an address list the standard parser chokes on
        return Sender()
    name, address = pairs[0] if pairs else ("", "")
    return Sender(name=_name(name), address=clean_address(address))


def _recovered(value: str) -> Sender:
    """An address from a malformed From, only when one and only one plain address stands in
    it as a word of its own (``Test test@example.com``); the rest is the name."""
    inside = _ANGLE_ADDRESS.match(value)
    text = inside.group("address") if inside else value
    text = re.sub(r"\s*@\s*", "@", text.strip())  # ``john @ example.com``
    candidates = {match.group("address").lower() for match in _ADDRESS_WORD.finditer(text)}
    if len(candidates) != 1:
        return Sender()
    [candidate] = candidates
    if inside and text.lower() != candidate:  # ``<john doe@example.com>``: not safe
        return Sender()
    address = clean_address(candidate)
    if not address:
        return Sender()
    rest = inside.group("name") if inside else _ADDRESS_WORD.sub(" ", text)
    note = f"the From header ({_shown(value)}) is malformed; the address was read as {address}"
    return Sender(name=_name(rest), address=address, uncertain=note)


def _name(value: str) -> str:
    name = value.strip().strip("\"'<>()").strip()
    return mime.clean_line(charsets.decode_encoded_words(name))[:200]


def _shown(value: str) -> str:
    return mime.clean_line(value)[:120] or "empty"
