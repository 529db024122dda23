"""Customers who may be the same person: suggestions for a manual merge, never a merge.

Two customers *match* when they share a phone number (E.164, on the profile or as an
identity), an e-mail address (stored lower-case, likewise) or the same full name (two
words or more, compared by the database's ``LOWER``). Identities are unique, so a shared
address is always one customer's identity and another's profile field (a chat visitor
who typed an address that writes by e-mail; a number kept on a profile after its
identity was removed), or two profile fields.

Only customers the viewer may see are suggested (``visible_customers``): a suggestion
must not tell an agent that a customer of another inbox exists. Every look-up is an index
probe (``Identity`` on kind and address, ``Customer`` on e-mail, phone and ``LOWER(name)``),
for one customer's page or for a window of the newest customers at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from rapport.accounts.models import User
from rapport.customers.models import Customer, DismissedDuplicate, Identity, IdentityKind
from rapport.customers.selectors import visible_customers, with_profile

SUGGESTED = 10  # on a customer's page
WINDOW = 200  # customers checked per page of the list of possible duplicates
# Why two customers match, in the words the page shows ("same phone").
PHONE, EMAIL, NAME = "phone", "e-mail", "name"
REASONS = (PHONE, EMAIL, NAME)


@dataclass(frozen=True)
class Duplicate:
    customer: Customer  # the other customer
    reasons: tuple[str, ...]  # of REASONS, strongest first

    @property
    def name_only(self) -> bool:
        return self.reasons == (NAME,)

    @property
    def said(self) -> str:
        return said(self.reasons)


@dataclass(frozen=True)
class DuplicatePair:
    newer: Customer
    older: Customer
    reasons: tuple[str, ...]

    @property
    def said(self) -> str:
        return said(self.reasons)


@dataclass
class DuplicatePage:
    pairs: list[DuplicatePair]
    checked: int  # how many customers this page looked at
    next_before: int | None  # ?before= for the next window; None at the oldest


def name_key(name: str) -> str:
    """A name that can match another: two words or more (one first name is too common)."""
    words = name.split()
    return " ".join(words) if len(words) >= 2 else ""


def keys_of(customer: Customer) -> dict[str, set[str]]:
    """The values ``customer`` matches others by, per reason (identities prefetched or not)."""
    keys: dict[str, set[str]] = {PHONE: set(), EMAIL: set(), NAME: set()}
    keys[PHONE].update([customer.phone] if customer.phone else [])
    keys[EMAIL].update([customer.email] if customer.email else [])
    keys[NAME].update([name_key(customer.name)] if name_key(customer.name) else [])
    for identity in customer.identities.all():
        if identity.kind == IdentityKind.PHONE:
            keys[PHONE].add(identity.address)
        elif identity.kind == IdentityKind.EMAIL:
            keys[EMAIL].add(identity.address)
    return keys


def owners(reason: str, values: Iterable[str]) -> dict[str, set[int]]:
    """Value → the ids of the customers holding it, for one reason, in one or two queries."""
    values = sorted(set(values))
    found: dict[str, set[int]] = defaultdict(set)
    if not values:
        return found
    if reason == NAME:
        return _named(values)
    field, kind = (
        ("phone", IdentityKind.PHONE) if reason == PHONE else ("email", IdentityKind.EMAIL)
    )
    on_profiles = Customer.objects.filter(**{f"{field}__in": values}).order_by()
    identities = Identity.objects.filter(kind=kind, address__in=values)
    pairs: list[tuple[int, str]] = [
        *on_profiles.values_list("id", field),
        *identities.values_list("customer_id", "address"),
    ]
    for customer_id, value in pairs:
        found[value].add(customer_id)
    return found


def _named(names: list[str]) -> dict[str, set[int]]:
    """Name → the customers with that name in any case. Both sides go through the
    database's own ``LOWER`` (SQLite's folds ASCII only), so each database agrees with
    its index on ``LOWER(name)``."""
    lowered = db_lower(names)
    by_key: dict[str, list[str]] = defaultdict(list)
    for name, key in lowered.items():
        by_key[key].append(name)
    found: dict[str, set[int]] = defaultdict(set)
    rows = Customer.objects.annotate(key=Lower("name")).filter(key__in=list(by_key)).order_by()
    for customer_id, key in rows.values_list("id", "key"):
        for name in by_key.get(key, []):
            found[name].add(customer_id)
    return found


def db_lower(values: list[str]) -> dict[str, str]:
    """Each value as the database's ``LOWER`` writes it (one statement, no table read)."""
    connection = connections[router.db_for_read(Customer)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["LOWER(CAST(%s AS TEXT))"] * len(values)), values)
        return dict(zip(values, (str(v) for v in cursor.fetchone()), strict=True))


def matches(customers: list[Customer]) -> dict[int, dict[int, set[str]]]:
    """For each of ``customers``: the other customers' ids with the reasons they match."""
    keys = {customer.pk: keys_of(customer) for customer in customers}
    found: dict[int, dict[int, set[str]]] = {pk: defaultdict(set) for pk in keys}
    for reason in REASONS:
        holders = owners(reason, (v for k in keys.values() for v in k[reason]))
        for pk, customer_keys in keys.items():
            for value in customer_keys[reason]:
                for other in holders.get(value, set()) - {pk}:
                    found[pk][other].add(reason)
    return found


def said(reasons: tuple[str, ...]) -> str:
    """("phone", "name") → "phone and name", as the pages write it after "same"."""
    return " and ".join([", ".join(reasons[:-1]), reasons[-1]] if len(reasons) > 1 else reasons)


def ordered(reasons: Iterable[str]) -> tuple[str, ...]:
    return tuple(reason for reason in REASONS if reason in set(reasons))


def duplicates_of(user: User, customer: Customer, limit: int = SUGGESTED) -> list[Duplicate]:
    """The customers ``user`` may see who may be ``customer``: most reasons first."""
    others = matches([customer])[customer.pk]
    for first, second in dismissed_pairs([customer.pk]):
        others.pop(second if first == customer.pk else first, None)
    if not others:
        return []
    visible = _visible_by_id(user, others)
    found = [
        Duplicate(visible[pk], ordered(reasons)) for pk, reasons in others.items() if pk in visible
    ]
    found.sort(key=lambda d: (-len(d.reasons), REASONS.index(d.reasons[0]), -d.customer.pk))
    return found[:limit]


def possible_duplicates(user: User, *, before: int | None = None) -> DuplicatePage:
    """Pairs among the newest ``WINDOW`` customers ``user`` may see (below ``before``).

    Each pair is listed once, in the window of its newer customer, so a page costs the same
    few index probes however many customers there are.
    """
    window = visible_customers(user)
    if before is not None:
        window = window.filter(pk__lt=before)
    customers = list(with_profile(window.order_by("-id"))[:WINDOW])
    found = matches(customers)
    for first, second in dismissed_pairs(found):
        found.get(first, {}).pop(second, None)
        found.get(second, {}).pop(first, None)
    older_ids = {other for pk, others in found.items() for other in others if other < pk}
    visible = _visible_by_id(user, older_ids)
    pairs = [
        DuplicatePair(customer, visible[other], ordered(found[customer.pk][other]))
        for customer in customers
        for other in sorted(found[customer.pk], reverse=True)
        if other < customer.pk and other in visible
    ]
    next_before = customers[-1].pk if len(customers) == WINDOW else None
    return DuplicatePage(pairs=pairs, checked=len(customers), next_before=next_before)


def dismissed_pairs(customer_ids: Iterable[int]) -> set[tuple[int, int]]:
    """The pairs said *not the same person* with any of ``customer_ids`` (lower id first)."""
    ids = list(customer_ids)
    rows = DismissedDuplicate.objects.filter(Q(first_id__in=ids) | Q(second_id__in=ids))
    return set(rows.values_list("first_id", "second_id"))


def _visible_by_id(user: User, ids: Iterable[int]) -> dict[int, Customer]:
    rows: QuerySet[Customer] = with_profile(visible_customers(user)).filter(pk__in=list(ids))
    return {customer.pk: customer for customer in rows}
