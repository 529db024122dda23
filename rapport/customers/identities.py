"""Normalising customer addresses so that one address always maps to one identity."""

from __future__ import annotations

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
]


def normalize_address(kind: str, address: str) -> str:
    """``address`` written the one way of its kind (``addresses``: channels add kinds)."""
    return normalize(kind, address)


def identity_address(inbox_id: int, kind: str, address: str) -> str:
    """The stored form of a customer's address in ``inbox_id`` (normalised, see above)."""
    address = normalize_address(kind, address)
    # External ids are only unique within the system that issued them: keep them apart
    # per inbox so two integrations' user "42" never become one customer.
    return f"{inbox_id}:{address}" if kind == IdentityKind.API else address
