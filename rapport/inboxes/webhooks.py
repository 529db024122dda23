"""What a webhook channel's stored request becomes: its messages and delivery statuses
(``receive_message``, ``record_provider_status``), or a quarantined item when its body
cannot be read. Used by the endpoint (``inboxes/inbound.py``, which reads the body once
to answer 400 at once), the jobs (``inboxes/tasks.py``) and the quarantine's retry."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone

from rapport.conversations.actions import add_to_message, receive_message
from rapport.conversations.actions.deliveries import record_provider_status
from rapport.conversations.inbound import InboundMessage
from rapport.core import rows
from rapport.core.errors import RapportError, ValidationFailed
from rapport.core.inbound import clean_text, problem_in
from rapport.inboxes import channels
from rapport.inboxes.channels import MessageAddition, StatusUpdate
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState

logger = logging.getLogger(__name__)

STATUS_ATTEMPTS = 5  # a status callback for a reply not (yet) known is tried this often
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
    """Turn a stored request into messages and statuses. Safe to run twice: a processed
    row is skipped, and messages are unique on the provider's id. Media are fetched first
    (``Channel.complete``, ``complete_addition``), outside the transaction and never while
    the provider waits.

    The body is read first; then its messages and the row's new state are written in one
    transaction, so the row is processed exactly when its messages are stored, and on
    PostgreSQL that is one commit (one WAL flush) per request. A continuing conversation
    takes 6 statements besides BEGIN/COMMIT and savepoints (the budget of issue 11, held
    by tests/channels/test_webhook_statements.py). The try is counted by the UPDATE that
    closes the row, or on the way out when the work fails.
    """
    raw = _stored(raw_id)
    if raw is None or raw.state == WebhookState.PROCESSED:
        return
    tries = raw.attempts + 1
    try:
        items = _read(raw)
        with transaction.atomic():
            waiting = _apply(raw, items)
            if not waiting or raw.attempts >= STATUS_ATTEMPTS:
                _close(raw, tries)
    except RapportError as error:
        quarantine(raw, error.message, attempts=tries)
        return
    except Exception:
        RawWebhook.objects.filter(pk=raw.pk).update(attempts=tries)
        raise
    if waiting and raw.attempts < STATUS_ATTEMPTS:
        # A status for a reply whose hand-over is not recorded yet, or an addition to a
        # message not stored yet: the sweep's.
        RawWebhook.objects.filter(pk=raw.pk).update(attempts=tries)


def _stored(raw_id: int) -> RawWebhook | None:
    """The row with its inbox, in one statement compiled once (``core.rows``): through the
    ORM (``select_related``) compiling it was a third of a processed webhook's CPU time."""
    alias = router.db_for_write(RawWebhook)
    found = rows.read_one((RawWebhook, Inbox), _select(alias), [raw_id], using=alias)
    if found is None:
        return None
    raw, inbox = found
    assert isinstance(raw, RawWebhook)
    assert isinstance(inbox, Inbox)
    raw.inbox = inbox
    return raw


@cache
def _select(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = rows.selected_columns(RawWebhook, "r", alias)
    columns += rows.selected_columns(Inbox, "i", alias)
    return (
        f"SELECT {', '.join(columns)} FROM {quote(RawWebhook._meta.db_table)} r"  # noqa: S608
        f" JOIN {quote(Inbox._meta.db_table)} i ON i.id = r.inbox_id WHERE r.id = %s"
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


def _apply(raw: RawWebhook, items: Parsed) -> bool:
    """Receive the messages and statuses; whether a status waits for its reply."""
    waiting = False
    for item in items:
        if isinstance(item, StatusUpdate):
            waiting |= not record_provider_status(inbox=raw.inbox, update=item)
        elif isinstance(item, MessageAddition):
            waiting |= not add_to_message(
                inbox=raw.inbox,
                external_id=item.external_id,
                text=item.text,
                attachments=item.attachments,
            )
        else:
            receive_message(inbox=raw.inbox, message=item)
    return waiting


def _close(raw: RawWebhook, tries: int) -> None:
    values = {
        "state": WebhookState.PROCESSED,
        "error": "",
        "processed_at": timezone.now(),
        "attempts": tries,
    }
    rows.update_one(RawWebhook, raw.pk, values=values)
