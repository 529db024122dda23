"""Jobs: poll every IMAP inbox each minute, retry mail left pending by an outage, and
process a webhook's stored mail right after its post is answered.

The poll holds an expiring lock so a slow poll does not overlap the next one; a worker
killed mid-poll leaves a lock that expires (``POLL_LOCK_TTL``), and a worker that starts
on the same machine frees it at once, so polling resumes.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from rapport.core.errors import ValidationFailed
from rapport.core.locks import expiring_lock, free_if_holder_died
from rapport.inboxes.adapters.email import health, imap
from rapport.inboxes.adapters.email.config import ImapSettings, load_config
from rapport.inboxes.adapters.email.ingest import process_pending, process_raw
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.models import Inbox, InboxKind

logger = logging.getLogger(__name__)


POLL_LOCK = "email-poll"
POLL_LOCK_TTL = timedelta(minutes=3)  # kept alive after each inbox; one inbox's poll is less


@on_startup()
def free_poll_lock_of_dead_worker() -> None:
    free_if_holder_died(POLL_LOCK)


@db_periodic_task(crontab(minute="*"))
def poll_email_inboxes_task() -> None:
    with expiring_lock(POLL_LOCK, ttl=POLL_LOCK_TTL) as lock:
        if lock is None:
            logger.info("the previous IMAP poll is still running; this one is skipped")
            return
        for inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True):
            if inbox.setting("imap"):
                poll_one(inbox)
                lock.keep()
        process_pending()


def poll_one(inbox: Inbox) -> None:
    """Poll one inbox and record whether fetching works (its settings show it in red)."""
    try:
        imap.poll(inbox)
    except Exception as error:  # one broken mailbox must not stop the others
        logger.warning("IMAP poll of inbox %s failed: %s", inbox.pk, error)
        health.record_fetch(inbox.pk, health.fetch_words(error, _imap_settings(inbox)))
    else:
        health.record_fetch(inbox.pk)


def _imap_settings(inbox: Inbox) -> ImapSettings | None:
    try:
        return load_config(inbox).imap
    except ValidationFailed:
        return None


@db_task()
def process_raw_task(raw_id: int) -> None:
    """Process one stored mail (a webhook's), unless it was processed meanwhile."""
    raw = RawEmail.objects.select_related("inbox").filter(pk=raw_id).first()
    if raw is not None and raw.state == RawState.PENDING:
        process_raw(raw)


def enqueue_processing(raw_id: int) -> None:
    """Process a stored mail by a job after the commit. With the queue away (Redis down:
    the worker and its minute's sweep are down with it) it is processed here instead; the
    bytes are stored either way, and a failure leaves the row pending for the sweep."""

    def send() -> None:
        try:
            process_raw_task(raw_id)
        except Exception:  # the queue is away
            logger.warning("could not queue raw e-mail %s; processing it here", raw_id)
            _process_here(raw_id)

    transaction.on_commit(send)


def _process_here(raw_id: int) -> None:
    try:
        process_raw_task.call_local(raw_id)
    except Exception:  # the database too: the row stays pending for the sweep
        logger.warning("raw e-mail %s left pending for the sweep", raw_id, exc_info=True)
