"""What a webhook channel's stored request becomes: its messages and delivery statuses
(``receive_message``, ``record_provider_status``), or a quarantined item when its body
cannot be read. Used by the endpoint (``inboxes/inbound.py``, which reads the body once
to answer 400 at once), the jobs (``inboxes/tasks.py``) and the quarantine's retry."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest
from django.utils import timezone

from rapport.conversations.actions import add_to_message, receive_message
from rapport.conversations.actions.deliveries import record_provider_status
from rapport.conversations.inbound import InboundMessage
from rapport.core.errors import RapportError, ValidationFailed
from rapport.core.inbound import clean_text, problem_in
from rapport.inboxes import channels
from rapport.inboxes.channels import MessageAddition, StatusUpdate
from rapport.inboxes.models import RawWebhook, WebhookState

logger = logging.getLogger(__name__)

STATUS_ATTEMPTS = 5  # a status callback for a reply not (yet) known is tried this often
Parsed = Sequence[InboundMessage | StatusUpdate | MessageAddition]


def quarantine(raw: RawWebhook, reason: str) -> None:
    RawWebhook.objects.filter(pk=raw.pk).update(
        state=WebhookState.UNPROCESSABLE, error=reason[:2000], processed_at=timezone.now()
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
    row is skipped, and messages are unique on the provider's id. Media are fetched here
    (``Channel.complete``, ``complete_addition``), outside any transaction and never while
    the provider waits."""
    raw = RawWebhook.objects.select_related("inbox").filter(pk=raw_id).first()
    if raw is None or raw.state == WebhookState.PROCESSED:
        return
    RawWebhook.objects.filter(pk=raw.pk).update(attempts=raw.attempts + 1)
    channel = channels.find(raw.inbox.kind)
    try:
        if channel is None:
            raise ValidationFailed(f"the {raw.inbox.kind!r} channel is switched off")
        request = rebuilt_request(raw)
        waiting = False
        for item in checked(channel.parse(request, raw.inbox, bytes(raw.body))):
            if isinstance(item, StatusUpdate):
                waiting |= not record_provider_status(inbox=raw.inbox, update=item)
                continue
            if isinstance(item, MessageAddition):
                addition = channel.complete_addition(raw.inbox, item)  # fetches its files
                checked([addition])
                waiting |= not add_to_message(
                    inbox=raw.inbox,
                    external_id=addition.external_id,
                    text=addition.text,
                    attachments=addition.attachments,
                )
            else:
                message = channel.complete(raw.inbox, item)  # names, files: asks the provider
                checked([message])
                receive_message(inbox=raw.inbox, message=message)
    except RapportError as error:
        quarantine(raw, error.message)
        return
    if waiting and raw.attempts < STATUS_ATTEMPTS:
        # A status for a reply whose hand-over is not recorded yet, or an addition to a
        # message not stored yet: the sweep's.
        return
    RawWebhook.objects.filter(pk=raw.pk).update(
        state=WebhookState.PROCESSED, error="", processed_at=timezone.now()
    )
