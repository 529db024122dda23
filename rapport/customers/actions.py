"""Writes to customers and their identities."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from rapport.customers.models import Customer, Identity, IdentityKind


def find_or_create_customer(*, kind: str, address: str, name: str = "") -> Customer:
    """Return the customer who owns the identity ``kind:address``, creating both if new.

    ``address`` must already be normalised (``identities.normalize_address``).
    """
    identity = Identity.objects.select_related("customer").filter(kind=kind, address=address).first()
    if identity:
        return identity.customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name.strip()[:200],
                email=address if kind == IdentityKind.EMAIL else "",
                phone=address if kind == IdentityKind.PHONE else "",
            )
            Identity.objects.create(customer=customer, kind=kind, address=address)
            return customer
    except IntegrityError:  # created concurrently by another request
        return Identity.objects.select_related("customer").get(kind=kind, address=address).customer


def add_identity(*, customer: Customer, kind: str, address: str) -> Identity:
    """Give a customer another address; refuses an address that belongs to someone else."""
    from rapport.core.errors import Conflict

    existing = Identity.objects.filter(kind=kind, address=address).first()
    if existing and existing.customer_id != customer.pk:
        raise Conflict(f"{kind} {address} already belongs to another customer")
    if existing:
        return existing
    return Identity.objects.create(customer=customer, kind=kind, address=address)
