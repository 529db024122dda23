"""Who is behind an identity, read in hand-written statements compiled once.

Receiving runs these for messages from customers without an open conversation (every
new chat visitor, every new API-channel customer) and the chat push for every visitor
message; through the ORM, compiling them took longer than running them. See
``core.rows`` for why and how; the answers are the ORM's, tested against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db import connections, router

from rapport.core.rows import read_one, selected_columns
from rapport.customers.models import Customer, Identity


@cache
def _select_owner(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    return (
        f"SELECT {', '.join(selected_columns(Customer, 'cu', alias))}"  # noqa: S608
        f" FROM {quote(Identity._meta.db_table)} ci"
        f" JOIN {quote(Customer._meta.db_table)} cu ON cu.id = ci.customer_id"
        " WHERE ci.kind = %s AND ci.address = %s"
    )


def identity_owner(kind: str, address: str) -> Customer | None:
    """The customer who owns the identity ``kind:address``, or None if nobody does yet.

    Same answer as ``Identity.objects.select_related("customer").filter(kind=kind,
    address=address).first().customer``: (kind, address) is unique.
    """
    alias = router.db_for_write(Identity)  # read again inside the receiving transaction
    found = read_one((Customer,), _select_owner(alias), [kind, address], using=alias)
    if found is None:
        return None
    customer = found[0]
    assert isinstance(customer, Customer)
    return customer


def identity_addresses(customer_id: int, kinds: Iterable[str]) -> list[tuple[str, str]]:
    """``(kind, address)`` of the customer's identities of these kinds, oldest first."""
    kinds = list(kinds)
    connection = connections[router.db_for_read(Identity)]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(kinds))
    with connection.cursor() as cursor:
        cursor.execute(  # only names from the model and placeholders are formatted in
            f"SELECT kind, address FROM {quote(Identity._meta.db_table)}"  # noqa: S608
            f" WHERE customer_id = %s AND kind IN ({marks}) ORDER BY id",
            [customer_id, *kinds],
        )
        return [(str(kind), str(address)) for kind, address in cursor.fetchall()]
