"""Customers who may be the same person: suggestions for a manual merge, never a merge.

Two customers *match* when they share a phone number (E.164, on the profile or as an
identity), an e-mail address (stored lower-case, likewise) or the same full name (two
words or more, compared by the stored ``name_key``, case-folded in Python: ``names``).
Identities are unique, so a shared address is always one customer's identity and
another's profile field (a chat visitor who typed an address that writes by e-mail; a
number kept on a profile after its identity was removed), or two profile fields.

Only customers the viewer may see are suggested (``visible_customers``): a suggestion
must not tell an agent that a customer of another inbox exists, and never a pair said to
be *not the same person* (``DismissedDuplicate``). One customer's page costs a few index
probes (``Identity`` on kind and address, ``Customer`` on e-mail, phone and
``name_key``); the list of every pair costs one grouping statement per reason over
all customers (``shared``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Q, QuerySet

from rapport.accounts.models import User
from rapport.customers.models import Customer, DismissedDuplicate, Identity, IdentityKind
from rapport.customers.selectors import visible_customers, with_profile

SUGGESTED = 10  # on a customer's page
PAGE = 50  # pairs per page of the list of possible duplicates (a customer's all on one)
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
    next_before: int | None  # ?before= (a newer customer's id) for the next page; None at the end


def keys_of(customer: Customer) -> dict[str, set[str]]:
    """The values ``customer`` matches others by, per reason (identities prefetched or not)."""
    keys: dict[str, set[str]] = {PHONE: set(), EMAIL: set(), NAME: set()}
    keys[PHONE].update([customer.phone] if customer.phone else [])
    keys[EMAIL].update([customer.email] if customer.email else [])
    keys[NAME].update([customer.name_key] if customer.name_key else [])
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
        rows = Customer.objects.filter(name_key__in=values).order_by()
        for customer_id, key in rows.values_list("id", "name_key"):
            found[key].add(customer_id)
        return found
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
    """Every pair of customers ``user`` may see who may be one person, newest first.

    All customers are looked at, not a window: one grouping query per reason finds the
    phones, e-mail addresses and names held by two customers or more (``shared``), so the
    cost follows the number of customers through an index scan and the pairs through
    their number. A page holds the pairs of the newer customers below ``before`` until
    ``PAGE`` pairs are reached; each pair is listed once, under its newer customer.
    """
    holders = _shared_by_customer(user)
    dismissed = dismissed_pairs()
    pairs: list[tuple[int, int, tuple[str, ...]]] = []
    next_before = None
    for customer_id in sorted(holders, reverse=True):
        if before is not None and customer_id >= before:
            continue
        older = _older_matches(customer_id, holders[customer_id], dismissed)
        if older and len(pairs) >= PAGE:
            next_before = pairs[-1][0]
            break
        pairs += [(customer_id, other, reasons) for other, reasons in older[:PAGE]]
    customers = _visible_by_id(user, {pk for pair in pairs for pk in pair[:2]})
    listed = [  # a customer merged away since the grouping is left out, not an error
        DuplicatePair(customers[new], customers[old], why)
        for new, old, why in pairs
        if new in customers and old in customers
    ]
    return DuplicatePage(pairs=listed, next_before=next_before)


# A customer's groups: reason → the ids of every visible customer sharing that value.
Groups = dict[str, list[frozenset[int]]]


def _shared_by_customer(user: User) -> dict[int, Groups]:
    """Every customer in a group of two or more, with those groups (see ``shared``)."""
    by_customer: dict[int, Groups] = defaultdict(lambda: defaultdict(list))
    for reason in REASONS:
        for members in shared(user, reason):
            for customer_id in members:
                by_customer[customer_id][reason].append(members)
    return by_customer


def _older_matches(
    customer_id: int, groups: Groups, dismissed: set[tuple[int, int]]
) -> list[tuple[int, tuple[str, ...]]]:
    """The older customers matching ``customer_id``, the newest first, with why."""
    reasons: dict[int, set[str]] = defaultdict(set)
    for reason, member_sets in groups.items():
        for members in member_sets:
            for other in members:
                if other < customer_id and (other, customer_id) not in dismissed:
                    reasons[other].add(reason)
    return [(other, ordered(reasons[other])) for other in sorted(reasons, reverse=True)]


def shared(user: User, reason: str) -> list[frozenset[int]]:
    """The customers ``user`` may see who share a value, per value held by two or more.

    One statement: the database groups every value (profile field and identity alike)
    and returns only the shared ones with their holders.
    """
    visible_sql, visible_params = _visible_sql(user)
    if reason == NAME:
        sql, params = _shared_names_sql(visible_sql), visible_params
    else:
        sql, params = _shared_addresses_sql(reason, visible_sql), [*visible_params] * 2
        params.insert(len(visible_params), PHONE_OR_EMAIL[reason][1])
    connection = connections[router.db_for_read(Customer)]
    groups: dict[str, set[int]] = defaultdict(set)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for value, customer_id in cursor.fetchall():
            groups[value].add(int(customer_id))
    return [frozenset(ids) for ids in groups.values()]


PHONE_OR_EMAIL = {PHONE: ("phone", IdentityKind.PHONE), EMAIL: ("email", IdentityKind.EMAIL)}


def _shared_addresses_sql(reason: str, visible: str) -> str:
    """(value, customer id) of every phone or e-mail address two customers hold, on their
    profile or as an identity; ``UNION`` keeps one row for a customer holding it both ways."""
    field, _ = PHONE_OR_EMAIL[reason]
    customers, identities = Customer._meta.db_table, Identity._meta.db_table
    return f"""
        WITH held AS (
            SELECT {field} AS value, id AS customer_id FROM {customers}
            WHERE {field} <> '' {visible.format(column="id")}
            UNION
            SELECT address, customer_id FROM {identities}
            WHERE kind = %s {visible.format(column="customer_id")}
        )
        SELECT value, customer_id FROM held WHERE value IN (
            SELECT value FROM held GROUP BY value HAVING COUNT(*) > 1
        )
    """  # noqa: S608 -- table and column names are ours; every value is a parameter


def _shared_names_sql(visible: str) -> str:
    """(name key, customer id) of every name two customers have (``names.name_key``)."""
    customers = Customer._meta.db_table
    return f"""
        WITH named AS (
            SELECT name_key AS value, id AS customer_id FROM {customers}
            WHERE name_key <> '' {visible.format(column="id")}
        )
        SELECT value, customer_id FROM named WHERE value IN (
            SELECT value FROM named GROUP BY value HAVING COUNT(*) > 1
        )
    """  # noqa: S608 -- as above


def _visible_sql(user: User) -> tuple[str, list[Any]]:
    """``AND {column} IN (the customers user may see)``, or nothing for who sees all."""
    if user.sees_all_inboxes:
        return "", []
    sql, params = visible_customers(user).order_by().values("pk").query.sql_with_params()
    return "AND {column} IN (" + sql.replace("{", "{{").replace("}", "}}") + ")", list(params)


def dismissed_pairs(customer_ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """The pairs said *not the same person* (lower id first): with any of ``customer_ids``,
    or all of them (each one is a person's decision, so they stay few)."""
    rows = DismissedDuplicate.objects.all()
    if customer_ids is not None:
        ids = list(customer_ids)
        rows = rows.filter(Q(first_id__in=ids) | Q(second_id__in=ids))
    return set(rows.values_list("first_id", "second_id"))


def _visible_by_id(user: User, ids: Iterable[int]) -> dict[int, Customer]:
    rows: QuerySet[Customer] = with_profile(visible_customers(user)).filter(pk__in=list(ids))
    return {customer.pk: customer for customer in rows}
