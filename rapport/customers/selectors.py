"""Reads about customers, with the rule for who may see whom.

An agent sees a customer when the customer has a conversation in an inbox the agent
belongs to; admins and supervisors see every customer.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from rapport.accounts.models import User
from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer, Identity
from rapport.inboxes.selectors import visible_inbox_ids

MAX_PAGE_SIZE = 100


@dataclass
class CustomerPage:
    items: list[Customer]
    next_cursor: str | None = None


def visible_customers(user: User) -> QuerySet[Customer]:
    """Every customer ``user`` may see (see the module docstring)."""
    if user.sees_all_inboxes:
        return Customer.objects.all()
    # EXISTS rather than a join: a customer with many conversations must appear once.
    # The conversations are reached through the relation the conversations app declares
    # (``related_name="conversations"``), so this app needs no import of the one above it.
    in_my_inboxes = Customer.objects.filter(
        pk=OuterRef("pk"), conversations__inbox_id__in=visible_inbox_ids(user)
    )
    return Customer.objects.filter(Exists(in_my_inboxes))


def may_see_customer(user: User, customer_id: int) -> bool:
    """Whether ``customer_id`` is among ``visible_customers(user)``."""
    return user.sees_all_inboxes or visible_customers(user).filter(pk=customer_id).exists()


def with_profile(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Load what a customer's profile shows: company and identities."""
    identities = Prefetch("identities", queryset=Identity.objects.order_by("id"))
    return customers.select_related("company").prefetch_related(identities)


def access_customer(user: User, customer_id: int) -> Customer:
    """The customer if ``user`` may see them; otherwise NotFound, whether or not they exist."""
    customer = with_profile(visible_customers(user)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def customer_history(customer: Customer, limit: int = 20) -> list[AuditEntry]:
    """What staff changed on the customer, newest first: merges, edits, addresses."""
    rows = AuditEntry.objects.filter(object_type="customer", object_id=customer.pk)
    return list(rows.select_related("actor").order_by("-created_at", "-id")[:limit])


def encode_cursor(customer: Customer) -> str:
    return base64.urlsafe_b64encode(str(customer.pk).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise ValidationFailed("the page cursor is not valid; start from the first page") from None


def search_customers(
    user: User, *, query: str = "", after: str | None = None, limit: int = 25
) -> CustomerPage:
    """Newest customers first, optionally those whose name or e-mail contains ``query``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = visible_customers(user)
    if query.strip():
        term = query.strip()
        rows = rows.filter(Q(name__icontains=term) | Q(email__icontains=term))
    if after:
        rows = rows.filter(pk__lt=decode_cursor(after))
    items = list(with_profile(rows.order_by("-id"))[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return CustomerPage(items=items[:limit], next_cursor=next_cursor)
