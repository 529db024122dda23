"""The one pipeline every way in (IMAP, SMTP listener, provider webhooks) calls.

1. ``store_raw`` (one mail) or ``store_batch`` (an IMAP fetch): the bytes are committed
   (deduplicated by SHA-256) before anything else.
2. ``process_raw`` (one mail) or ``process_batch``: first every mail is prepared with no
   transaction open (``start_preparing``: parse, sanitise, quote split, bounce, trust,
   dedupe key — in the parse worker for a large batch); then ``write_batch`` classifies
   (our own mail back, bounce, duplicate) and ``deliver.deliver_parsed`` writes the
   conversation message. The write transaction only writes, so a mail that takes
   seconds to parse never holds the database's write lock (on SQLite, one for everyone:
   the API, the widget and agents' replies would wait behind it). A batch is one
   transaction with a savepoint per mail, so one bad mail rolls back alone and the
   commit (the expensive part on SQLite) is paid once per batch, not per mail.
A parse or processing failure leaves the raw mail ``unprocessable`` with the reason,
visible and retryable; a database outage leaves it ``pending`` for the next run (a batch
then rolls back whole: its mails stay pending, none is half written).
"""

from __future__ import annotations

import errno
import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from rapport.core.errors import RapportError
from rapport.inboxes.adapters.email import bounces, pool
from rapport.inboxes.adapters.email.config import EmailInboxConfig, load_config
from rapport.inboxes.adapters.email.dedupe import dedupe_key
from rapport.inboxes.adapters.email.deliver import Prepared, deliver_parsed, mail_body
from rapport.inboxes.adapters.email.loops import machine_flags
from rapport.inboxes.adapters.email.models import RawEmail, RawFormat, RawState
from rapport.inboxes.adapters.email.ours import (
    OurAddresses,
    our_addresses,
    own_mail_reason,
    rewritten_sender,
)
from rapport.inboxes.adapters.email.parse import ParsedEmail, parse_email
from rapport.inboxes.adapters.email.posts import Extracted, Malformed, extract
from rapport.inboxes.adapters.email.trust import read_trust
from rapport.inboxes.models import Inbox

logger = logging.getLogger(__name__)

PROCESS_BATCH = 100  # mails per transaction in ``process_pending``
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
MAX_DISK_FULL_ATTEMPTS = 1440  # a day of retries once a minute, then unprocessable


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
    inbox: Inbox,
    data: bytes,
    *,
    source: str,
    source_ref: str = "",
    format: str = RawFormat.RFC822,
    content_type: str = "",
) -> tuple[RawEmail, bool]:
    """Commit the raw bytes; (row, created). The same bytes again return the first row.

    ``format``/``content_type``: a provider's post stored as it came (see ``posts``).
    """
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
                format=format,
                content_type=content_type[:255],
            )
    except IntegrityError:  # stored concurrently by another way in
        return RawEmail.objects.get(inbox=inbox, sha256=digest), False
    return raw, True


def store_batch(inbox: Inbox, items: Sequence[tuple[bytes, str]], *, source: str) -> list[RawEmail]:
    """Store many messages' bytes — (data, source_ref) each — in the caller's transaction.

    Returns the new rows in order; bytes stored before (or twice in ``items``) are left
    out. One SELECT of the known hashes and one bulk INSERT instead of a savepoint and an
    INSERT per mail; a hash stored meanwhile by another way in falls back to one by one.
    """
    wanted: dict[str, tuple[bytes, str]] = {}
    for data, ref in items:
        wanted.setdefault(hashlib.sha256(data).hexdigest(), (data, ref))
    if not wanted:
        return []
    known = set(
        RawEmail.objects.filter(inbox=inbox, sha256__in=list(wanted)).values_list(
            "sha256", flat=True
        )
    )
    rows = [
        RawEmail(
            inbox=inbox,
            sha256=digest,
            data=data,
            size=len(data),
            source=source,
            source_ref=ref[:255],
        )
        for digest, (data, ref) in wanted.items()
        if digest not in known
    ]
    if not rows:
        return []
    try:
        with transaction.atomic():
            return RawEmail.objects.bulk_create(rows)
    except IntegrityError:  # one of them was stored concurrently: store them one by one
        stored = []
        for row in rows:
            raw, created = store_raw(
                inbox, bytes(row.data), source=source, source_ref=row.source_ref
            )
            if created:
                stored.append(raw)
        return stored


def process_raw(raw: RawEmail) -> RawEmail:
    """Parse and route one stored message, recording the outcome on the row."""
    return process_batch([raw])[0]


def process_batch(raws: Sequence[RawEmail]) -> list[RawEmail]:
    """Prepare every mail, then write them all in one transaction (``write_batch``)."""
    return write_batch(start_preparing(raws))


@dataclass
class Preparing:
    """A batch whose mails are being prepared (``start_preparing``), for ``write_batch``."""

    raws: list[RawEmail]
    configs: dict[int, EmailInboxConfig]
    results: Iterator[Prepared | Failed]

    def ready(self) -> list[Prepared | Failed]:
        """Every mail prepared, in order (waits for the parse worker)."""
        return list(self.results)


def start_preparing(raws: Sequence[RawEmail]) -> Preparing:
    """Start preparing stored mails: everything that needs no database write — provider
    post, parse, sanitise, quote split, bounce, trust, dedupe key (``prepare``).

    Call it outside any transaction. A small batch is prepared here and now; a large one
    in the parse worker, so the caller may write the previous batch meanwhile (the IMAP
    poll does). Only reads touch the database (each inbox's settings).
    """
    raws = list(raws)
    configs: dict[int, EmailInboxConfig] = {}
    jobs: list[tuple[Extracted, tuple[str, ...], int | None]] = []
    early: dict[int, Failed] = {}  # a post that holds no mail
    for index, raw in enumerate(raws):
        config = configs.get(raw.inbox_id)
        if config is None:
            config = configs[raw.inbox_id] = load_config(raw.inbox)
        try:
            jobs.append((extract(raw), tuple(config.authserv_ids), config.max_message_bytes))
        except Malformed as error:
            early[index] = Failed(error.reason)
    prepared = pool.map_ordered(prepare_safely, jobs)
    results = (early[index] if index in early else next(prepared) for index in range(len(raws)))
    return Preparing(raws, configs, results)


def write_batch(preparing: Preparing) -> list[RawEmail]:
    """Write prepared mails in one transaction with a savepoint per mail.

    The transaction only writes: every mail is prepared before it begins, so a hostile
    mail's parsing never holds the database's write lock (on SQLite, the only one).
    A mail whose preparing or writing failed is recorded unprocessable with the reason,
    its savepoint rolled back; the others commit together with all outcomes (one bulk
    UPDATE). A database error rolls the whole batch back and is raised: every mail stays
    pending for ``process_pending``, none is half written or written twice. Events reach
    their subscribers when the batch commits.
    """
    raws, configs = preparing.raws, preparing.configs
    ready = preparing.ready()
    attempts = [raw.attempts for raw in raws]
    ours = our_addresses()
    with transaction.atomic():
        for raw, prepared in zip(raws, ready, strict=True):
            _apply(raw, _outcome(raw, configs[raw.inbox_id], prepared, ours))
        for raw in raws:
            raw.attempts = F("attempts") + 1
        try:
            RawEmail.objects.bulk_update(
                raws, ["state", "error", "processed_at", "message", "attempts"]
            )
        finally:
            for raw, before in zip(raws, attempts, strict=True):
                raw.attempts = before + 1
    return raws


@dataclass
class Failed:
    """Preparing the mail raised (a parser bug): the note for its unprocessable row."""

    note: str


def prepare_safely(job: tuple[Extracted, tuple[str, ...], int | None]) -> Prepared | Failed:
    """``prepare`` outside the transaction: an error (a parser bug, a mail too deep for
    it) comes back as the note for that mail's unprocessable row, not as a raise."""
    extracted, authserv_ids, max_bytes = job
    try:
        return prepare(extracted.mail, authserv_ids, extracted, max_bytes)
    except Exception as error:  # shown on the raw mail; the batch goes on
        logger.warning("preparing an e-mail failed", exc_info=True)
        return Failed(f"{type(error).__name__}: {error}"[:2000])


def prepare(
    data: bytes,
    authserv_ids: Sequence[str] = (),
    extracted: Extracted | None = None,
    max_bytes: int | None = None,
) -> Prepared:
    """Everything of a mail that needs no database: parsed, bounce, trust, flags, body,
    and the key that tells a repeat of this delivery from a different mail.

    A mail over ``max_bytes`` (the inbox's cap) is read without its largest parts, which
    are named under its text (``oversize``): the customer's words still reach the inbox.
    """
    parsed = parse_email(data, max_bytes=max_bytes)
    extracted = extracted or Extracted(data)
    return Prepared(
        parsed=parsed,
        bounce=bounces.detect(parsed, data),
        trust=read_trust(parsed, tuple(authserv_ids)),
        flags=machine_flags(parsed),
        body=mail_body(parsed),
        dedupe_key=dedupe_key(
            data,
            sender=parsed.from_address,
            provider_id=extracted.provider_id,
            fingerprint=extracted.fingerprint,
        ),
    )


def _outcome(
    raw: RawEmail,
    config: EmailInboxConfig,
    ready: Prepared | Failed,
    ours: OurAddresses,
) -> Outcome:
    """Route one mail in its own savepoint: whatever it wrote is undone if it fails."""
    try:
        with transaction.atomic():
            if isinstance(ready, Failed):
                raise ParseFailed(ready.note)
            return _route(raw, config, ready, ours)
    except DatabaseError:
        # The database is down or locked: leave the row pending for the next run.
        logger.warning("raw e-mail %s left pending: database unavailable", raw.pk, exc_info=True)
        raise
    except ParseFailed as error:  # while preparing (here or in the parse worker)
        logger.error("raw e-mail %s is unprocessable: %s", raw.pk, error.note)
        return Outcome(RawState.UNPROCESSABLE, error.note)
    except OSError as error:
        if error.errno not in DISK_FULL or raw.attempts >= MAX_DISK_FULL_ATTEMPTS:
            logger.exception("raw e-mail %s is unprocessable", raw.pk)
            return Outcome(RawState.UNPROCESSABLE, f"{type(error).__name__}: {error}"[:2000])
        # The disk is full: the savepoint undid the rows, the storage left no file; the
        # mail stays pending and ``process_pending`` tries it again (each minute).
        logger.warning("raw e-mail %s left pending: %s", raw.pk, error)
        return Outcome(RawState.PENDING, f"could not store its files ({error.strerror}); retrying")
    except Exception as error:  # the parser or a bug: keep it visible and retryable
        logger.exception("raw e-mail %s is unprocessable", raw.pk)
        return Outcome(RawState.UNPROCESSABLE, f"{type(error).__name__}: {error}"[:2000])


class ParseFailed(Exception):
    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


def _apply(raw: RawEmail, outcome: Outcome) -> None:
    raw.state, raw.error = outcome.state, outcome.note
    raw.processed_at = timezone.now()
    raw.message_id = outcome.message_id


def _route(raw: RawEmail, config: EmailInboxConfig, ready: Prepared, ours: OurAddresses) -> Outcome:
    inbox = raw.inbox
    parsed = ready.parsed
    early = _classify(inbox, ready, ours)
    if early is not None:
        return early
    try:
        message, created = deliver_parsed(inbox=inbox, config=config, ready=ready, raw=raw)
    except RapportError as error:
        return Outcome(RawState.UNPROCESSABLE, error.message)
    if not created:  # the same Message-ID from the same sender: delivered to two addresses
        return Outcome(RawState.IGNORED, "the same message arrived before", message.pk)
    return Outcome(RawState.PROCESSED, "; ".join(parsed.problems)[:2000], message.pk)


def _classify(inbox: Inbox, ready: Prepared, ours: OurAddresses) -> Outcome | None:
    """An outcome for mail that must not become a conversation message, else None."""
    parsed = ready.parsed
    if ready.bounce is None:  # a bounce of our own mail is from the mailer daemon, read on
        reason = own_mail_reason(
            from_address=parsed.from_address,
            reply_to=parsed.reply_to,
            message_id=parsed.message_id,
            ours=ours,
        )
        if reason:
            logger.info("inbox %s ignored a mail: %s", inbox.pk, reason)
            return Outcome(RawState.IGNORED, reason)
        _unwrap_rewritten_sender(parsed, ours)
    if ready.bounce is not None:
        return Outcome(RawState.IGNORED, bounces.record_bounce(ready.bounce, inbox.pk))
    if not parsed.from_address:
        return Outcome(
            RawState.UNPROCESSABLE, "no valid sender address in From, Sender or Return-Path"
        )
    return None


def _unwrap_rewritten_sender(parsed: ParsedEmail, ours: OurAddresses) -> None:
    """From our address, author in Reply-To (a list's DMARC rewrite): the author writes."""
    author = rewritten_sender(from_address=parsed.from_address, reply_to=parsed.reply_to, ours=ours)
    if author:
        parsed.problems.append(
            f"From was our own address {parsed.from_address} (rewritten by a list or"
            f" forwarder): the sender is the Reply-To {author}"
        )
        parsed.from_address = author


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
    todo = list(rows.select_related("inbox")[:limit])
    for start in range(0, len(todo), PROCESS_BATCH):
        process_batch(todo[start : start + PROCESS_BATCH])
    return len(todo)
