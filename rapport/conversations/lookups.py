"""The conversation a customer's message continues, read in one hand-written statement.

This is the hot path of receiving: the API channel runs it (with the permission check)
before its transaction and ``receive_message`` again under the write lock, for every
message of every channel. Through the ORM (``unresolved_conversations`` filtered by the
user's inboxes, with ``select_related``) it spent about 0.8 ms per message compiling the
query, more than the database took to run it. The SQL below says the same thing and is
compiled once; the rows go through Django's own converters, so the models come back
exactly as the ORM would build them.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, Status
from rapport.customers.models import Customer, Identity
from rapport.inboxes.models import Inbox

# Read together, in this order: the conversation, and what its message's push shows.
MODELS: tuple[type[Model], ...] = (Conversation, Inbox, Customer)
ALIASES = ("c", "i", "cu")


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


@cache
def _select(vendor: str, members_only: bool) -> str:
    """The statement for one database vendor, with or without the membership check.

    Only table and column names from the models are formatted in; values are parameters.
    """
    quote = connections[router.db_for_write(Conversation)].ops.quote_name
    columns = [
        f"{alias}.{quote(str(f.column))}"
        for model, alias in zip(MODELS, ALIASES, strict=True)
        for f in _fields(model)
    ]
    members = Inbox.members.through._meta.db_table
    membership = (
        f" AND EXISTS (SELECT 1 FROM {quote(members)} m"  # noqa: S608
        " WHERE m.inbox_id = c.inbox_id AND m.user_id = %s)"
        if members_only
        else ""
    )
    return (
        f"SELECT {', '.join(columns)}"  # noqa: S608
        f" FROM {quote(Conversation._meta.db_table)} c"
        f" JOIN {quote(Identity._meta.db_table)} ci ON ci.customer_id = c.customer_id"
        f" JOIN {quote(Inbox._meta.db_table)} i ON i.id = c.inbox_id"
        f" JOIN {quote(Customer._meta.db_table)} cu ON cu.id = c.customer_id"
        " WHERE ci.kind = %s AND ci.address = %s"
        f" AND c.inbox_id = %s AND c.status <> %s{membership}"
        " ORDER BY c.last_activity_at DESC LIMIT 1"
    )


def latest_unresolved(
    inbox_id: int, identity_kind: str, address: str, *, visible_to: User | None = None
) -> Conversation | None:
    """The latest unresolved conversation of the identity's customer in the inbox.

    With ``visible_to``: only if that staff member may see the inbox. Same answer as
    ``unresolved_conversations(...).filter(inbox_id=..., inbox__in=visible_inboxes(user))
    .select_related("inbox", "customer").first()``, with inbox and customer loaded.
    """
    alias = router.db_for_write(Conversation)  # receive_message reads it under the lock
    connection = connections[alias]
    user = visible_to
    members_only = user is not None and not user.sees_all_inboxes
    params: list[str | int] = [identity_kind, address, inbox_id, Status.RESOLVED]
    if user is not None and members_only:
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(_select(connection.vendor, members_only), params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = _convert(alias, list(row))
    instances = []
    for model in MODELS:
        names = [f.attname for f in _fields(model)]
        instances.append(model.from_db(alias, names, values[: len(names)]))
        values = values[len(names) :]
    conversation, inbox, customer = instances
    assert isinstance(conversation, Conversation)
    conversation.inbox = inbox  # type: ignore[assignment]
    conversation.customer = customer  # type: ignore[assignment]
    return conversation


def _convert(alias: str, row: list[Any]) -> list[Any]:
    """Database values → Python values, with the converters the ORM would apply."""
    converters = getattr(_per_thread, alias, None)
    if converters is None:  # what to convert depends only on the backend: work it out once
        compiler = Conversation.objects.using(alias).none().query.get_compiler(alias)
        columns = [f.get_col(str(f.model._meta.db_table)) for m in MODELS for f in _fields(m)]
        converters = (compiler, compiler.get_converters(columns))
        setattr(_per_thread, alias, converters)
    compiler, by_position = converters
    return next(iter(compiler.apply_converters([row], by_position)))


# Per thread, because a compiler holds its thread's connection.
_per_thread = threading.local()
