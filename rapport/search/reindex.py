"""``rapport reindex``: rebuild the search index from the stored messages and customers.

The actions keep the index current; this is for an installation that had none (an
upgrade), a restored backup, or data written around the actions (the demo loader, the
benchmarks' generator). It runs in one transaction, so searches see the old index until
the new one is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Exists, OuterRef

from rapport.conversations.models import Message
from rapport.customers.actions import search_words
from rapport.customers.models import Customer
from rapport.search import index

BATCH = 5000
Progress = Callable[[str, int, int], None]  # (what, done, total)


def rebuild(progress: Progress | None = None) -> tuple[int, int]:
    """Index every message and customer anew; returns how many of each."""
    report = progress or (lambda what, done, total: None)
    with transaction.atomic():
        index.clear()
        messages = _index_messages(report)
        customers = _index_customers(report)
    index.analyze()
    return messages, customers


def _batches(
    total: int, what: str, report: Progress, fetch: Callable[[int], list[Any]]
) -> Iterator[list[Any]]:
    after, done = 0, 0
    report(what, 0, total)
    while rows := fetch(after):
        yield rows
        done += len(rows)
        after = rows[-1][0]
        report(what, min(done, total), total)


def _index_messages(report: Progress) -> int:
    # The message that opened a conversation carries its subject, as receive_message does.
    earlier = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"), pk__lt=OuterRef("pk")
    )
    rows = Message.objects.annotate(later=Exists(earlier)).order_by("pk")
    columns = rows.values_list("pk", "text", "conversation__subject", "later")

    def fetch(after: int) -> list[Any]:
        return list(columns.filter(pk__gt=after)[:BATCH])

    count = 0
    for batch in _batches(Message.objects.count(), "messages", report, fetch):
        index.put_messages(
            (pk, text, "" if later else subject) for pk, text, subject, later in batch
        )
        count += len(batch)
    return count


def _index_customers(report: Progress) -> int:
    def fetch(after: int) -> list[Any]:
        chunk = Customer.objects.filter(pk__gt=after).order_by("pk").prefetch_related("identities")
        return [(c.pk, c) for c in chunk[:BATCH]]

    count = 0
    for batch in _batches(Customer.objects.count(), "customers", report, fetch):
        index.put_customers(
            (pk, c.name, search_words(c, [(i.kind, i.address) for i in c.identities.all()]))
            for pk, c in batch
        )
        count += len(batch)
    return count


def progress_bar(stream: TextIO, width: int = 30) -> Progress:
    """A one-line bar per kind of row, redrawn in place: ``messages [#####.....] 52%``."""

    shown: dict[str, int] = {}

    def draw(what: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        if shown.get(what) == int(share * 100) and done < total:
            return  # redrawn once per percent: a log file gets 100 lines, not 1,000
        shown[what] = int(share * 100)
        filled = round(share * width)
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if done >= total else ""
        stream.write(f"\r{what:<9} [{bar}] {share:4.0%}  {done:,} / {total:,}{end}")
        stream.flush()

    return draw
