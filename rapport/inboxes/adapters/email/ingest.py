"""The one pipeline every way in (IMAP, SMTP listener, provider webhooks) calls.

1. ``store_raw``: the bytes are committed (deduplicated by SHA-256) before anything else.
2. ``process_raw``: parse, classify (our own mail back, bounce, duplicate), then
   ``deliver.deliver_parsed`` writes the conversation message.
A parse or processing failure leaves the raw mail ``unprocessable`` with the reason,
visible and retryable; a database outage leaves it ``pending`` for the next run.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rapport.core.errors import RapportError
from rapport.inboxes.adapters.email import bounces, tokens
from rapport.inboxes.adapters.email.config import load_config
from rapport.inboxes.adapters.email.deliver import deliver_parsed
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.adapters.email.parse import ParsedEmail, parse_email
from rapport.inboxes.models import Inbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    state: str
    note: str = ""
    message_id: int | None = None


def ingest(inbox: Inbox, data: bytes, *, source: str, source_ref: str = "") -> RawEmail:
    """Store then process one message; a repeat of stored bytes is not processed again."""
    raw, created = store_raw(inbox, data, source=source, source_ref=source_ref)
    if created or raw.state == RawState.PENDING:
        process_raw(raw)
    return raw


def store_raw(
    inbox: Inbox, data: bytes, *, source: str, source_ref: str = ""
) -> tuple[RawEmail, bool]:
    """Commit the raw bytes; (row, created). The same bytes again return the first row."""
    digest = hashlib.sha256(data).hexdigest()
    # No look-up first: the unique (inbox, sha256) constraint catches a repeat, which is
    # rare; that saves a statement on every new message.
    try:
        with transaction.atomic():
            raw = RawEmail.objects.create(
                inbox=inbox,
                sha256=digest,
                data=data,
                size=len(data),
                source=source,
                source_ref=source_ref[:255],
            )
    except IntegrityError:  # stored concurrently by another way in
        return RawEmail.objects.get(inbox=inbox, sha256=digest), False
    return raw, True


def process_raw(raw: RawEmail) -> RawEmail:
    """Parse and route one stored message, recording the outcome on the row."""
    try:
        outcome = _route(raw)
    except DatabaseError:
        # The database is down or locked: leave the row pending for the next run.
        logger.warning("raw e-mail %s left pending: database unavailable", raw.pk, exc_info=True)
        raise
    except Exception as error:  # the parser or a bug: keep it visible and retryable
        logger.exception("raw e-mail %s is unprocessable", raw.pk)
        outcome = Outcome(RawState.UNPROCESSABLE, f"{type(error).__name__}: {error}"[:2000])
    _record(raw, outcome)
    return raw


def _record(raw: RawEmail, outcome: Outcome) -> None:
    raw.state, raw.error = outcome.state, outcome.note
    raw.processed_at = timezone.now()
    raw.message_id = outcome.message_id
    RawEmail.objects.filter(pk=raw.pk).update(
        state=raw.state,
        error=raw.error,
        processed_at=raw.processed_at,
        message=outcome.message_id,
        attempts=F("attempts") + 1,
    )


def _route(raw: RawEmail) -> Outcome:
    inbox = raw.inbox
    config = load_config(inbox)
    data = bytes(raw.data)
    if len(data) > config.max_message_bytes:
        return Outcome(RawState.UNPROCESSABLE, f"message of {len(data)} bytes is over the limit")
    parsed = parse_email(data)
    early = _classify(inbox, parsed, data)
    if early is not None:
        return early
    try:
        message, created = deliver_parsed(inbox=inbox, config=config, parsed=parsed, raw=raw)
    except RapportError as error:
        return Outcome(RawState.UNPROCESSABLE, error.message)
    if not created:  # the same Message-ID from the same sender: delivered to two addresses
        return Outcome(RawState.IGNORED, "the same message arrived before", message.pk)
    return Outcome(RawState.PROCESSED, "; ".join(parsed.problems)[:2000], message.pk)


def _classify(inbox: Inbox, parsed: ParsedEmail, data: bytes) -> Outcome | None:
    """An outcome for mail that must not become a conversation message, else None."""
    if tokens.is_ours(parsed.message_id):
        return Outcome(RawState.IGNORED, "our own message came back (loop)")
    bounce = bounces.detect(parsed, data)
    if bounce is not None:
        return Outcome(RawState.IGNORED, bounces.record_bounce(bounce, inbox.pk))
    if not parsed.from_address:
        return Outcome(
            RawState.UNPROCESSABLE, "no valid sender address in From, Sender or Return-Path"
        )
    return None


def retry(raw: RawEmail) -> RawEmail:
    """Process an unprocessable (or pending) message again, e.g. after a fix."""
    if raw.is_done:
        return raw
    return process_raw(raw)


def process_pending(inbox: Inbox | None = None, limit: int = 500) -> int:
    """Process raw mail left pending by an outage; returns how many were tried."""
    rows = RawEmail.objects.filter(state=RawState.PENDING).order_by("id")
    if inbox is not None:
        rows = rows.filter(inbox=inbox)
    tried = 0
    for raw in rows.select_related("inbox")[:limit]:
        process_raw(raw)
        tried += 1
    return tried
