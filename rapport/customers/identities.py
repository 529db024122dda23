"""Normalising customer addresses so that one address always maps to one identity."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rapport.core.errors import ValidationFailed
from rapport.customers.models import IdentityKind

MAX_EXTERNAL_ID = 200


def normalize_email(address: str) -> str:
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{address[:100]!r} is not a valid e-mail address") from None
    return address


def normalize_phone(number: str, default_region: str | None = None) -> str:
    """Return the number in E.164 form (+4915112345678)."""
    try:
        parsed = phonenumbers.parse(number, default_region)
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


def normalize_address(kind: str, address: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalize_email(address)
    if kind == IdentityKind.PHONE:
        return normalize_phone(address)
    if kind == IdentityKind.API:
        return normalize_external_id(address)
    raise ValidationFailed(f"unknown identity kind {kind[:20]!r}; use email, phone or api")


def identity_address(inbox_id: int, kind: str, address: str) -> str:
    """The stored form of a customer's address in ``inbox_id`` (normalised, see above)."""
    address = normalize_address(kind, address)
    # External ids are only unique within the system that issued them: keep them apart
    # per inbox so two integrations' user "42" never become one customer.
    return f"{inbox_id}:{address}" if kind == IdentityKind.API else address
