"""Normalising customer addresses so that one address always maps to one identity."""

from __future__ import annotations

import phonenumbers

from rapport.customers.addresses import (  # re-exported: callers import them from here
    normalize,
    normalize_email,
    normalize_external_id,
    normalize_phone,
)
from rapport.customers.models import IdentityKind

__all__ = [
    "identity_address",
    "normalize_address",
    "normalize_email",
    "normalize_external_id",
    "normalize_phone",
    "phone_search_forms",
]


def phone_search_forms(e164: str) -> list[str]:
    """What a phone number is found by: its E.164 form and its national number without
    the trunk prefix (+49 151 12345678 → 15112345678, which ``0151 12345678`` finds)."""
    try:
        national = str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        return [e164]
    return [e164, national]


def normalize_address(kind: str, address: str) -> str:
    """``address`` written the one way of its kind (``addresses``: channels add kinds)."""
    return normalize(kind, address)


def identity_address(inbox_id: int, kind: str, address: str) -> str:
    """The stored form of a customer's address in ``inbox_id`` (normalised, see above)."""
    address = normalize_address(kind, address)
    # External ids are only unique within the system that issued them: keep them apart
    # per inbox so two integrations' user "42" never become one customer.
    return f"{inbox_id}:{address}" if kind == IdentityKind.API else address
