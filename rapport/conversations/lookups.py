"""The conversation a customer's message continues, read in one hand-written statement.

This is the hot path of receiving: the API channel runs it (with the permission check)
before its transaction and ``receive_message`` again under the write lock, for every
message of every channel. Through the ORM (``unresolved_conversations`` filtered by the
user's inboxes, with ``select_related``) it spent about 0.8 ms per message compiling the
query, more than the database took to run it. The SQL below says the same thing and is
compiled once; the rows go through Django's own converters (``core.rows.read_one``), so
the models come back exactly as the ORM would build them.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from django.db import connections, router
from django.db.models import Model

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, Status
from rapport.core.rows import read_many, read_one, selected_columns
from rapport.customers.models import Customer, Identity
from rapport.inboxes.models import Inbox

# Read together, in this order: the conversation, and what its message's push shows.
MODELS: tuple[type[Model], ...] = (Conversation, Inbox, Customer)
ALIASES = ("c", "i", "cu")


@cache
def _select(alias: str, members_only: bool) -> str:
    """The statement for one database, with or without the membership check.

    Only table and column names from the models are formatted in; values are parameters.
    """
    quote = connections[alias].ops.quote_name
    columns = [
        column
        for model, table_alias in zip(MODELS, ALIASES, strict=True)
        for column in selected_columns(model, table_alias, alias)
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
    user = visible_to
    if user is not None and user.inbox_limit is not None and inbox_id not in user.inbox_limit:
        return None  # an API token limited to other inboxes
    members_only = user is not None and not user.sees_all_by_role
    params: list[str | int] = [identity_kind, address, inbox_id, Status.RESOLVED]
    if user is not None and members_only:
        params.append(user.pk)
    found = read_one(MODELS, _select(alias, members_only), params, using=alias)
    if found is None:
        return None
    conversation, inbox, customer = found
    assert isinstance(conversation, Conversation)
    conversation.inbox = inbox  # type: ignore[assignment]
    conversation.customer = customer  # type: ignore[assignment]
    return conversation


Key = tuple[int, str, str]  # (inbox id, identity kind, address)


def latest_unresolved_many(keys: Collection[Key]) -> dict[Key, Conversation]:
    """``latest_unresolved`` for many senders at once, in one statement: each key's latest
    unresolved conversation, with inbox and customer loaded; keys without one are left out.
    For a worker's batch of webhooks (``receive_many``)."""
    if not keys:
        return {}
    alias = router.db_for_write(Conversation)
    ordered = sorted(set(keys))
    senders = " OR ".join(["(ci.kind = %s AND ci.address = %s)"] * len(ordered))
    inbox_ids = sorted({inbox_id for inbox_id, _, _ in ordered})
    sql = (
        _select_many(alias)
        + f" AND ({senders}) AND c.inbox_id IN ({', '.join(['%s'] * len(inbox_ids))})"
    )
    params: list[str | int] = [Status.RESOLVED]
    for _, kind, address in ordered:
        params += [kind, address]
    params += inbox_ids
    latest: dict[Key, Conversation] = {}
    for conversation, inbox, customer, identity in read_many(
        (*MODELS, Identity), sql, params, using=alias
    ):
        assert isinstance(conversation, Conversation)
        assert isinstance(identity, Identity)
        key = (conversation.inbox_id, identity.kind, identity.address)
        known = latest.get(key)
        if key in keys and (
            known is None or known.last_activity_at < conversation.last_activity_at
        ):
            conversation.inbox = inbox  # type: ignore[assignment]
            conversation.customer = customer  # type: ignore[assignment]
            latest[key] = conversation
    return latest


@cache
def _select_many(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    models: tuple[type[Model], ...] = (*MODELS, Identity)
    columns = [
        column
        for model, table_alias in zip(models, (*ALIASES, "ci"), strict=True)
        for column in selected_columns(model, table_alias, alias)
    ]
    return (
        f"SELECT {', '.join(columns)}"  # noqa: S608
        f" FROM {quote(Conversation._meta.db_table)} c"
        f" JOIN {quote(Identity._meta.db_table)} ci ON ci.customer_id = c.customer_id"
        f" JOIN {quote(Inbox._meta.db_table)} i ON i.id = c.inbox_id"
        f" JOIN {quote(Customer._meta.db_table)} cu ON cu.id = c.customer_id"
        " WHERE c.status <> %s"
    )
