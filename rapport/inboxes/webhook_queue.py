"""The stored webhook requests are the job queue: workers claim them in batches.

Store-first (``inboxes/inbound.py``) already makes every request a durable row, pending
until it is processed. Queueing a job per row as well (Huey on Redis) cost the web
process a pickle and a Redis round trip per request, and the worker a job, a
transaction and a savepoint per message (``bench/webhooks.py``). Instead each worker
process runs ``RAPPORT_WEBHOOK_THREADS`` drainer threads (``running_drainers``). A
drainer claims up to ``RAPPORT_WEBHOOK_BATCH`` due rows at once and processes them in
one transaction (``webhooks.process_claimed``), until none is left; then it waits.

Claiming is a lease, not a lock held across the work: ``next_try_at`` moves past the
time a batch may take (``LEASE``), so the rows of a worker killed mid-batch come due
again by themselves, and on PostgreSQL ``SKIP LOCKED`` keeps two claimers apart. There a
batch also holds its inbox (``claimed``): one inbox's batches go one after the other,
different inboxes side by side.

Waking: on PostgreSQL every INSERT of a row sends a NOTIFY from the database once it
commits (a trigger, migration 0005) and one listener thread per process wakes its
drainers; in the process that stored the row (``rapport serve``) the endpoint wakes them
itself (``wake``); and every drainer looks anyway after ``POLL`` seconds, for the rows
whose next try came due and for a worker whose listener lost its connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, router
from django.utils import timezone

from rapport.inboxes.models import RawWebhook

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "rapport_webhooks"  # the trigger's, in migration 0005
LEASE = timedelta(minutes=2)  # a claimed row not processed by then is due again
POLL_SECONDS = {"postgresql": 5.0, "sqlite": 0.5}  # waking is by NOTIFY on PostgreSQL

_due = threading.Event()  # set: rows may be waiting; the drainers of this process look


def wake() -> None:
    """Rows were stored: wake this process's drainers (none run here: nothing happens)."""
    _due.set()


def claim(limit: int, inbox_id: int | None = None) -> list[int]:
    """Up to ``limit`` due pending rows (of one inbox, if given), oldest first, leased to
    the caller; their ids."""
    now = timezone.now()
    alias = router.db_for_write(RawWebhook)
    with connections[alias].cursor() as cursor:
        if connections[alias].features.has_select_for_update_skip_locked:
            one = inbox_id is not None
            params = [now + LEASE, *([inbox_id] if one else []), now, limit]
            cursor.execute(_claim_skipping_locked(alias, one), params)
        else:  # SQLite: one writer at a time; the UPDATE checks again that they are due
            cursor.execute(_due_rows(alias), [now, limit])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return []  # idle: no write, so no write lock taken twice a second
            cursor.execute(_claim_listed(alias, len(ids)), [now + LEASE, *ids, now])
        return sorted(row[0] for row in cursor.fetchall())


@contextmanager
def claimed(limit: int) -> Iterator[list[int]]:
    """Due rows leased to the caller while the block runs.

    On PostgreSQL they are all of one inbox, which no other worker takes until the block
    ends (an advisory lock of this connection's session; a dead worker's ends with its
    connection). One inbox's batches touch the same conversations and count rows, and
    side by side they mostly waited for each other's row locks: ``bench/webhooks.py``
    processed 35 % of the baseline's rate with four drainers at once and 89 % with one.
    Different inboxes still go side by side. SQLite has one writer anyway.
    """
    alias = router.db_for_write(RawWebhook)
    if not connections[alias].features.has_select_for_update_skip_locked:
        yield claim(limit)
        return
    inbox_id = _take_an_inbox(alias)
    if inbox_id is None:
        yield []
        return
    try:
        yield claim(limit, inbox_id)
    finally:
        _let_go(alias, inbox_id)


INBOX_LOCKS = 0x7261  # the advisory locks' first key ("ra"): (INBOX_LOCKS, inbox id)


def _take_an_inbox(alias: str) -> int | None:
    """The inbox of the oldest due rows that no other worker holds, now held by this one."""
    with connections[alias].cursor() as cursor:
        cursor.execute(_due_inboxes(alias), [timezone.now()])
        inbox_ids = list(dict.fromkeys(row[0] for row in cursor.fetchall()))
        for inbox_id in inbox_ids:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [INBOX_LOCKS, inbox_id])
            if cursor.fetchone()[0]:
                _held_elsewhere.now = False
                return int(inbox_id)
    _held_elsewhere.now = bool(inbox_ids)
    return None


# Set when due rows were found but other workers hold all their inboxes: then a drainer
# pauses instead of looking again at every NOTIFY (each holder finishes its own inbox).
_held_elsewhere = threading.local()
BUSY_PAUSE = 0.25  # seconds


def _let_go(alias: str, inbox_id: int) -> None:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [INBOX_LOCKS, inbox_id])
    except DatabaseError:  # the connection broke: its session, and the lock, are gone
        logger.warning("could not let go of inbox %s's webhooks", inbox_id, exc_info=True)


_DUE = "state = 'pending' AND (next_try_at IS NULL OR next_try_at <= %s)"


@cache
def _table(alias: str) -> str:
    return str(connections[alias].ops.quote_name(RawWebhook._meta.db_table))


@cache
def _claim_skipping_locked(alias: str, one_inbox: bool) -> str:
    table = _table(alias)
    inbox = "inbox_id = %s AND " if one_inbox else ""
    return (
        f"UPDATE {table} SET next_try_at = %s WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {table} WHERE {inbox}{_DUE} ORDER BY id LIMIT %s"
        " FOR UPDATE SKIP LOCKED) RETURNING id"
    )


@cache
def _due_inboxes(alias: str) -> str:
    # The oldest due rows' inboxes: a bounded look, however long the backlog.
    return f"SELECT inbox_id FROM {_table(alias)} WHERE {_DUE} ORDER BY id LIMIT 64"  # noqa: S608


@cache
def _due_rows(alias: str) -> str:
    return f"SELECT id FROM {_table(alias)} WHERE {_DUE} ORDER BY id LIMIT %s"  # noqa: S608


def _claim_listed(alias: str, count: int) -> str:
    marks = ", ".join(["%s"] * count)
    return (
        f"UPDATE {_table(alias)} SET next_try_at = %s"  # noqa: S608
        f" WHERE id IN ({marks}) AND {_DUE} RETURNING id"
    )


def drain(limit: int | None = None) -> int:
    """Claim and process due rows, batch after batch, until none is due; how many."""
    from rapport.inboxes.webhooks import process_claimed

    size = limit or settings.RAPPORT_WEBHOOK_BATCH
    done = 0
    while True:
        with claimed(size) as ids:
            if not ids:
                return done
            process_claimed(ids)
            done += len(ids)


class Drainers:
    """This process's drainer threads and, on PostgreSQL, the listener that wakes them."""

    def __init__(self, threads: int) -> None:
        self.stop = threading.Event()
        self.vendor = connection.vendor
        self.poll = POLL_SECONDS.get(self.vendor, 0.5)
        self.threads = [
            threading.Thread(target=self._drain, name=f"webhooks-{n}", daemon=True)
            for n in range(threads)
        ]
        if self.vendor == "postgresql":
            self.threads.append(
                threading.Thread(target=self._listen, name="webhooks-listen", daemon=True)
            )

    def start(self) -> None:
        _due.set()  # rows stored while no worker ran
        for thread in self.threads:
            thread.start()

    def close(self, timeout: float = 10) -> None:
        self.stop.set()
        _due.set()
        for thread in self.threads:
            thread.join(timeout)

    def _drain(self) -> None:
        while not self.stop.is_set():
            _due.wait(self.poll)
            _due.clear()
            if self.stop.is_set():
                break
            try:
                drain()
                if getattr(_held_elsewhere, "now", False):
                    self.stop.wait(BUSY_PAUSE)
            except Exception:  # the rows stay pending and come due when their lease ends
                logger.exception("processing stored webhook requests failed")
                self.stop.wait(self.poll)
            finally:
                close_old_connections()  # a broken connection is not kept for the next
        connections.close_all()

    def _listen(self) -> None:
        """LISTEN on a connection of its own; on a broken one, connect again."""
        import psycopg

        params = connection.get_connection_params()
        while not self.stop.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as listening:
                    listening.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    _due.set()  # rows stored while not listening
                    while not self.stop.is_set():  # looked at each second, to stop
                        for _ in listening.notifies(timeout=1.0):
                            _due.set()
            except psycopg.Error:
                logger.warning("listening for stored webhooks failed; trying again", exc_info=True)
                self.stop.wait(self.poll)


@contextmanager
def running_drainers(threads: int | None = None) -> Iterator[Drainers]:
    """Drainer threads in this process while the block runs (``rapport serve``/``worker``)."""
    drainers = Drainers(threads or settings.RAPPORT_WEBHOOK_THREADS)
    drainers.start()
    try:
        yield drainers
    finally:
        drainers.close()
