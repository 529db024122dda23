"""What a webhook channel's stored request becomes: its messages and delivery statuses
(``receive_message``, ``record_provider_status``), or a quarantined item when its body
cannot be read. Used by the workers' batches (``process_claimed``, from
``inboxes/webhook_queue.py``), the endpoint (``inboxes/inbound.py``, which reads the body
once to answer 400 at once, and processes the row itself when jobs run immediately) and
the quarantine's retry (``process``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import TypeGuard

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connections, router, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from rapport.conversations.actions import (
    add_to_message,
    receive_many,
    receive_message,
    receive_reaction,
)
from rapport.conversations.actions.deliveries import record_provider_status
from rapport.conversations.inbound import InboundMessage, Reaction
from rapport.core import rows
from rapport.core.errors import RapportError, ValidationFailed
from rapport.core.inbound import clean_text, problem_in
from rapport.inboxes import channels
from rapport.inboxes.channels import MessageAddition, StatusUpdate
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState

logger = logging.getLogger(__name__)

STATUS_ATTEMPTS = 5  # a status callback for a reply not (yet) known is tried this often
RETRY_AFTER = timedelta(seconds=30)  # times the try: 30 s, 1 min, 1.5 min, 2 min
FAILURE_ATTEMPTS = 10  # a request whose processing fails this often is quarantined
FAILURE_RETRY_AFTER = timedelta(seconds=5)  # times the try: 5 s, 10 s, … 45 s
Parsed = Sequence[InboundMessage | StatusUpdate | MessageAddition]


def quarantine(raw: RawWebhook, reason: str, attempts: int | None = None) -> None:
    counted = {} if attempts is None else {"attempts": attempts}
    RawWebhook.objects.filter(pk=raw.pk).update(
        state=WebhookState.UNPROCESSABLE,
        error=reason[:2000],
        processed_at=timezone.now(),
        **counted,
    )
    logger.info("webhook request %s quarantined: %s", raw.pk, reason)


def checked(parsed: Parsed) -> Parsed:
    """``parsed``, once every text in it is fit to store (``core/inbound.py``)."""
    limit = settings.RAPPORT_MAX_MESSAGE_CHARS
    for item in parsed:
        if isinstance(item, StatusUpdate):
            clean_text(item.external_id, field="message id", limit=255)
            clean_text(item.error, field="error", limit=2000)
            continue
        if isinstance(item, MessageAddition):
            clean_text(item.external_id, field="message id", limit=255)
            clean_text(item.text, field="text", limit=limit)
            _check_raw(item.raw)
            continue
        clean_text(item.text, field="text", limit=limit)
        clean_text(item.html, field="html", limit=limit)
        clean_text(item.subject, field="subject", limit=255)
        clean_text(item.sender.name, field="name", limit=200)
        clean_text(item.external_id, field="message id", limit=255)
        _check_raw(item.raw)
    return parsed


def _check_raw(value: object) -> None:
    """The payload is stored as JSON: no text in it may be unstorable (core/inbound.py)."""
    if isinstance(value, str) and problem_in(value):
        raise ValidationFailed(f"the payload {problem_in(value)}")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_raw(key)
            _check_raw(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_raw(item)


def rebuilt_request(raw: RawWebhook) -> HttpRequest:
    """The stored request as the parser saw it: body, content type and kept headers."""
    body = bytes(raw.body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "CONTENT_TYPE": raw.content_type,
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "stored",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "https",
    }
    for name, value in raw.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return WSGIRequest(environ)


def process(raw_id: int) -> None:
    """Turn one stored request into messages and statuses (the quarantine's retry, and
    the endpoint's own processing when jobs run immediately). Safe to run twice: a
    processed row is skipped, and messages are unique on the provider's id. Media are
    fetched first (``Channel.complete``, ``complete_addition``), outside the transaction
    and never while the provider waits.

    A continuing conversation takes 6 statements besides BEGIN/COMMIT and savepoints
    (the budget of issue 11, held by tests/channels/test_webhook_statements.py); the
    workers' batches (``process_claimed``) take fewer per message.
    """
    raw = _stored(raw_id)
    if raw is None or raw.state == WebhookState.PROCESSED:
        return
    items = _read_or_set_aside(raw, reraise=True)
    if items is not None:
        _finish(raw, items, reraise=True)


def process_claimed(raw_ids: Sequence[int]) -> None:
    """Process rows a worker claimed (``webhook_queue.claim``) together.

    Each body is read first (outside any transaction: a channel may fetch files); then
    every message and status of the batch, and the rows' new states, are written in one
    transaction: one commit instead of one per request, no savepoint per message, and
    one statement to read the rows and one to close them for the whole batch. Should any
    write fail (a message stored meanwhile by a provider's retry, a bug), the batch is
    rolled back and each row goes alone as in ``process``, so one row can't hold up the
    others and nothing is half-written.
    """
    ready: list[tuple[RawWebhook, Parsed]] = []
    for raw in _stored_many(raw_ids):
        if raw.state != WebhookState.PENDING:
            continue  # processed or quarantined meanwhile (a retry from the quarantine page)
        items = _read_or_set_aside(raw, reraise=False)
        if items is not None:
            ready.append((raw, items))
    if not ready:
        return
    try:
        with transaction.atomic():
            waiting = _apply_batch(ready)
            _close_all([raw for raw, _ in ready if raw.pk not in waiting])
            for raw, _ in ready:
                if raw.pk in waiting:
                    _wait(raw)
    except Exception:
        logger.info("a batch of %s webhook requests goes one by one", len(ready), exc_info=True)
        for raw, items in ready:
            _finish(raw, items, reraise=False)


def _read_or_set_aside(raw: RawWebhook, *, reraise: bool) -> Parsed | None:
    """The row's items; None when it was quarantined or its reading failed for now."""
    try:
        return _read(raw)
    except RapportError as error:
        quarantine(raw, error.message, attempts=raw.attempts + 1)
    except Exception as error:  # a provider's API down while fetching a file, a bug
        _failed(raw, error)
        if reraise:
            raise
    return None


def _finish(raw: RawWebhook, items: Parsed, *, reraise: bool) -> None:
    """Write one row's items and its new state in a transaction of its own."""
    try:
        with transaction.atomic():
            if _apply(raw, items, savepoint=True):
                _wait(raw)
            else:
                _close(raw, raw.attempts + 1)
    except RapportError as error:
        quarantine(raw, error.message, attempts=raw.attempts + 1)
    except Exception as error:
        _failed(raw, error)
        if reraise:
            raise


def _wait(raw: RawWebhook) -> None:
    """A status for a reply whose hand-over is not recorded yet, or an addition to a
    message not stored yet: tried again later, ``STATUS_ATTEMPTS`` times in all."""
    tries = raw.attempts + 1
    if tries >= STATUS_ATTEMPTS:
        _close(raw, tries)
        return
    values = {"attempts": tries, "next_try_at": timezone.now() + RETRY_AFTER * tries}
    rows.update_one(RawWebhook, raw.pk, values=values)


def _failed(raw: RawWebhook, error: Exception) -> None:
    """Count a failed try; after ``FAILURE_ATTEMPTS`` the row is quarantined with the
    error (Settings → Quarantine, where it can be retried), else it comes due again a
    little later."""
    tries = raw.attempts + 1
    logger.warning("webhook request %s failed (try %s)", raw.pk, tries, exc_info=error)
    if tries >= FAILURE_ATTEMPTS:
        quarantine(raw, f"processing failed {tries} times, last: {error!r}", attempts=tries)
    else:  # most failures pass (a provider's API, the database): due again soon
        again = timezone.now() + FAILURE_RETRY_AFTER * tries
        RawWebhook.objects.filter(pk=raw.pk).update(attempts=tries, next_try_at=again)


def _stored(raw_id: int) -> RawWebhook | None:
    """The row with its inbox, in one statement compiled once (``core.rows``): through the
    ORM (``select_related``) compiling it was a third of a processed webhook's CPU time."""
    found = _stored_many([raw_id])
    return found[0] if found else None


def _stored_many(raw_ids: Sequence[int]) -> list[RawWebhook]:
    alias = router.db_for_write(RawWebhook)
    marks = ", ".join(["%s"] * len(raw_ids))
    found = rows.read_many((RawWebhook, Inbox), _select(alias) % marks, list(raw_ids), using=alias)
    stored = []
    for raw, inbox in found:
        assert isinstance(raw, RawWebhook)
        assert isinstance(inbox, Inbox)
        raw.inbox = inbox
        stored.append(raw)
    return stored


@cache
def _select(alias: str) -> str:
    """The SELECT with its id list left as ``%s`` (then ``%%s`` stand for parameters)."""
    quote = connections[alias].ops.quote_name
    columns = rows.selected_columns(RawWebhook, "r", alias)
    columns += rows.selected_columns(Inbox, "i", alias)
    return (
        f"SELECT {', '.join(columns)} FROM {quote(RawWebhook._meta.db_table)} r"  # noqa: S608
        f" JOIN {quote(Inbox._meta.db_table)} i ON i.id = r.inbox_id"
        " WHERE r.id IN (%s) ORDER BY r.id"
    )


def _read(raw: RawWebhook) -> Parsed:
    """The request's messages and statuses, each message completed by the channel (names,
    files: it may ask the provider, so before the transaction, never inside it)."""
    channel = channels.find(raw.inbox.kind)
    if channel is None:
        raise ValidationFailed(f"the {raw.inbox.kind!r} channel is switched off")
    items = channel.parse(rebuilt_request(raw), raw.inbox, bytes(raw.body))
    completed: list[InboundMessage | StatusUpdate | MessageAddition] = []
    for item in items:
        if isinstance(item, MessageAddition):
            completed.append(channel.complete_addition(raw.inbox, item))  # fetches its files
        elif isinstance(item, InboundMessage):
            completed.append(channel.complete(raw.inbox, item))  # names, files
        else:
            completed.append(item)
    return checked(completed)


def _apply(raw: RawWebhook, items: Parsed, *, savepoint: bool) -> bool:
    """Receive the messages and statuses; whether a status waits for its reply.
    ``savepoint``: see ``receive_message``."""
    waiting = False
    for item in items:
        waiting |= not _apply_one(raw.inbox, item, savepoint=savepoint)
    return waiting


def _apply_batch(ready: list[tuple[RawWebhook, Parsed]]) -> set[int]:
    """Every item of a batch: the messages together (``receive_many``: a few statements
    for the whole batch, rows locked in one order so two workers' batches never
    deadlock), then statuses and additions by the provider's id. The ids of the rows
    whose status waits for its reply."""
    receive_many([(raw.inbox, item) for raw, items in ready for item in items if _is_message(item)])
    rest = [(raw, item) for raw, items in ready for item in items if not _is_message(item)]
    rest.sort(key=lambda pair: (pair[1].external_id, pair[0].inbox_id))
    waiting: set[int] = set()
    for raw, item in rest:
        if not _apply_one(raw.inbox, item, savepoint=False):
            waiting.add(raw.pk)
    return waiting


def _is_message(item: InboundMessage | StatusUpdate | MessageAddition) -> TypeGuard[InboundMessage]:
    """A plain message (a reaction goes with the statuses: after the messages, one of
    which it may react to)."""
    return isinstance(item, InboundMessage) and not isinstance(item, Reaction)


def _apply_one(
    inbox: Inbox, item: InboundMessage | StatusUpdate | MessageAddition, *, savepoint: bool
) -> bool:
    """One item; False when it waits (a status for a reply, or an addition to a message,
    not stored yet)."""
    if isinstance(item, StatusUpdate):
        return record_provider_status(inbox=inbox, update=item)
    if isinstance(item, MessageAddition):
        return add_to_message(
            inbox=inbox,
            external_id=item.external_id,
            text=item.text,
            attachments=item.attachments,
        )
    if isinstance(item, Reaction):  # shown on the message it reacts to
        receive_reaction(inbox=inbox, reaction=item)
        return True
    receive_message(inbox=inbox, message=item, savepoint=savepoint)
    return True


def _close(raw: RawWebhook, tries: int) -> None:
    values = {
        "state": WebhookState.PROCESSED,
        "error": "",
        "processed_at": timezone.now(),
        "attempts": tries,
        "next_try_at": None,
    }
    rows.update_one(RawWebhook, raw.pk, values=values)


def _close_all(raws: list[RawWebhook]) -> None:
    """``_close`` for a batch's rows, in one statement."""
    if raws:
        RawWebhook.objects.filter(pk__in=[raw.pk for raw in raws]).update(
            state=WebhookState.PROCESSED,
            error="",
            processed_at=timezone.now(),
            attempts=F("attempts") + 1,
            next_try_at=None,
        )
