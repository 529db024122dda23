"""Keeping ``ConversationCount`` in step with conversations (see that model's docstring)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, Sum

from rapport.conversations.models import Conversation, ConversationCount

Bucket = tuple[str, int | None]  # (status, assignee id)


def bump(inbox_id: int, bucket: Bucket, delta: int) -> None:
    status, assignee_id = bucket
    waiting: dict[tuple[int, str, int], int] | None = getattr(_deferring, "bumps", None)
    if waiting is not None:
        key = (inbox_id, status, assignee_id or 0)
        waiting[key] = waiting.get(key, 0) + delta
        return
    if _add(inbox_id, status, assignee_id, delta):
        return
    try:
        with transaction.atomic():
            ConversationCount.objects.create(
                inbox_id=inbox_id, status=status, assignee_id=assignee_id, count=delta
            )
    except IntegrityError:  # another transaction created the row first
        _add(inbox_id, status, assignee_id, delta)


@contextmanager
def deferred() -> Iterator[None]:
    """Bumps inside the block are added up and written when it ends without an error: one
    UPDATE per bucket, in a fixed order. For a transaction that opens many conversations
    (a worker's batch of webhooks): the count rows are the hottest rows of all, so they
    are locked last, briefly, and always in the same order, which two such transactions
    need in order never to deadlock."""
    bumps: dict[tuple[int, str, int], int] = {}
    _deferring.bumps = bumps
    try:
        yield
    finally:
        _deferring.bumps = None
    for (inbox_id, status, assignee_id), delta in sorted(bumps.items()):
        if delta:
            bump(inbox_id, (status, assignee_id or None), delta)


_deferring = threading.local()


def _add(inbox_id: int, status: str, assignee_id: int | None, delta: int) -> bool:
    """``UPDATE … SET count = count + delta`` for one bucket, written out: every new
    conversation and status change runs it, and the ORM spent longer compiling it than
    the database took to run it. False when the bucket has no row yet."""
    connection = connections[router.db_for_write(ConversationCount)]
    table = connection.ops.quote_name(ConversationCount._meta.db_table)
    assignee = "assignee_id IS NULL" if assignee_id is None else "assignee_id = %s"
    params: list[str | int] = [delta, inbox_id, status]
    if assignee_id is not None:
        params.append(assignee_id)
    with connection.cursor() as cursor:
        cursor.execute(  # only the table name is formatted in; every value is a parameter
            f"UPDATE {table} SET count = count + %s"  # noqa: S608
            f" WHERE inbox_id = %s AND status = %s AND {assignee}",
            params,
        )
        return bool(cursor.rowcount)


def move(inbox_id: int, old: Bucket, new: Bucket) -> None:
    """Move one conversation from bucket ``old`` to ``new`` (no-op when they are equal)."""
    if old == new:
        return
    bump(inbox_id, old, -1)
    bump(inbox_id, new, +1)


def total(*, status: str, inbox_ids: list[int] | None = None, **bucket: object) -> int:
    """Sum the counts for ``status``, optionally for some inboxes and an assignee filter."""
    rows = ConversationCount.objects.filter(status=status, **bucket)
    if inbox_ids is not None:
        rows = rows.filter(inbox_id__in=inbox_ids)
    return int(rows.aggregate(total=Sum("count"))["total"] or 0)


def recount() -> None:
    """Rebuild every count from the conversations themselves."""
    with transaction.atomic():
        ConversationCount.objects.all().delete()
        groups = Conversation.objects.values("inbox_id", "status", "assignee_id").annotate(
            n=Count("id")
        )
        ConversationCount.objects.bulk_create(
            ConversationCount(
                inbox_id=g["inbox_id"],
                status=g["status"],
                assignee_id=g["assignee_id"],
                count=g["n"],
            )
            for g in groups
        )
