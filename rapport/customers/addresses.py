"""The kinds of address a customer reaches us from, and how each is written the one way.

The four kinds every installation has are here. A channel that knows people by an
address of its own (a messenger's user id) brings its ``AddressKind``, and the channel
registry adds it when it loads the channel (``rapport.inboxes.channels``): customers
stay below the channels and never import them. This module imports nothing of the app,
so the model and ``identities`` can both read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rapport.core.errors import ValidationFailed

MAX_EXTERNAL_ID = 200


@dataclass(frozen=True)
class AddressKind:
    kind: str  # stored on the identity, at most 16 characters
    label: str  # "Phone", shown beside the address
    icon: str  # a name of core's icon set
    # Writes an address the one way (E.164, lower case...); ValidationFailed when it is not
    # one. None: the kind is never typed in or posted (a widget session's visitor id).
    normalize: Callable[[str], str] | None = None


def normalize_email(address: str) -> str:
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{address[:100]!r} is not a valid e-mail address") from None
    return address


def normalize_phone(number: str, default_region: str | None = None) -> str:
    """Return the number in E.164 form (+4915112345678), however it was written.

    ``+1 (415) 555-0100``, ``tel:+14155550100`` and ``0014155550100`` (``00``, the
    international prefix of most of the world, where ``+`` was not typed) are one number.
    A number written nationally (``(415) 555-0100``) needs a region: ``default_region``,
    else the installation's ``RAPPORT_PHONE_REGION`` (none by default: refused).
    """
    text = number.strip().removeprefix("tel:").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = default_region or settings.RAPPORT_PHONE_REGION or None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(f"{number[:40]!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationFailed(f"{number[:40]!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_external_id(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_EXTERNAL_ID or any(ord(c) < 32 for c in value):
        raise ValidationFailed(
            f"an external id must be 1 to {MAX_EXTERNAL_ID} printable characters"
        )
    return value


# The values of ``models.IdentityKind``, spelled out: this module imports no model.
_KINDS: dict[str, AddressKind] = {
    kind.kind: kind
    for kind in (
        AddressKind("email", "E-mail", "mail", normalize_email),
        AddressKind("phone", "Phone", "phone", normalize_phone),
        AddressKind("api", "External id", "code", normalize_external_id),
        AddressKind("visitor", "Website visitor", "code"),
    )
}


def register(kind: AddressKind) -> None:
    """Add a channel's kind of address; registering the same one again changes nothing."""
    known = _KINDS.get(kind.kind)
    if known is not None and known != kind:
        raise ValueError(f"two different address kinds are called {kind.kind!r}")
    _KINDS[kind.kind] = kind


def find(kind: str) -> AddressKind | None:
    return _KINDS.get(kind)


def label(kind: str) -> str:
    found = _KINDS.get(kind)
    return found.label if found is not None else kind


def icon(kind: str) -> str:
    found = _KINDS.get(kind)
    return found.icon if found is not None else "code"


def normalize(kind: str, address: str) -> str:
    """``address`` written the one way of its kind; ValidationFailed when it is not one."""
    found = _KINDS.get(kind)
    if found is None or found.normalize is None:
        raise ValidationFailed(f"unknown identity kind {kind[:20]!r}; use email, phone or api")
    return found.normalize(address)
