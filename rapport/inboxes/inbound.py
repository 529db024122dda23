"""The one inbound endpoint of webhook channels: ``/channels/<kind>/<public key>``.

A provider (an SMS gateway, a messenger) posts here. Store first, like e-mail's
webhooks: the channel checks the request came from the provider (its signature over the
raw body) and names what it carries (``request_key``: the provider's message id); the
body, its content type and the headers the parser needs are stored as one ``RawWebhook``
row, unique on (inbox, key), so a retried or doubled request is stored once. The body is
then read (``parse``: no writes) and the provider answered at once; what it holds becomes
messages and delivery statuses when a worker claims the row (``webhook_queue.py``: the
stored rows are the queue), through ``receive_message`` and ``record_provider_status``.

A body that cannot be read is quarantined (Settings → Quarantine, ``inboxes.quarantine``)
and answered 400 with the reason; one over ``max_inbound_bytes`` is refused before it is
read (413); a forged one is refused (403) and nothing is stored. Never a 500.

Kept as light as the lightest Django view (``bench/webhooks.py`` measures it against a
one-row view): the inbox at an address is remembered for a few seconds, the row is one
INSERT compiled once (``core.rows``) that commits by itself, no job is queued (the
workers are woken by the database's NOTIFY, or in this process by setting an event:
``tasks.enqueue_processing``), and ``middleware.py`` skips the agent app's middleware
for these URLs. On PostgreSQL that leaves one round trip to the database, the INSERT:
the health check Django runs before a request's first statement is skipped (``_insert``
tries again on a new connection when the kept one broke).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from rapport.core import rows
from rapport.core.errors import NotFound, RapportError, ValidationFailed
from rapport.core.inbound import body_too_large, clean_text
from rapport.inboxes import channels
from rapport.inboxes.channels import Channel
from rapport.inboxes.models import Inbox, RawWebhook
from rapport.inboxes.tasks import enqueue_processing
from rapport.inboxes.webhooks import checked, quarantine

logger = logging.getLogger(__name__)


@csrf_exempt  # providers sign their requests; they hold no session or CSRF token
def inbound(request: HttpRequest, kind: str, public_key: str) -> HttpResponse:
    try:
        return _inbound(request, kind, public_key)
    except RapportError as error:
        return JsonResponse({"error": error.message}, status=error.status_code)


def _inbound(request: HttpRequest, kind: str, public_key: str) -> HttpResponse:
    channel = channels.find(kind)
    inbox = _active_inbox(kind, public_key)
    if channel is None or inbox is None or not channel.takes_webhooks:
        raise NotFound("no active inbox at this address")
    if request.method == "GET":  # a provider's handshake when the webhook is set up
        return channel.handshake(request, inbox)
    if request.method != "POST":
        return JsonResponse({"error": "use POST"}, status=405, headers={"Allow": "GET, POST"})
    body = _body(request, channel)
    channel.verify(request, inbox, body)
    key = clean_text(channel.request_key(request, inbox, body), field="message id", limit=255)
    raw, created = _store(inbox, channel, request, body, key)
    if created:
        try:
            checked(channel.parse(request, inbox, body))
        except RapportError as error:
            quarantine(raw, error.message)
            raise ValidationFailed(f"{error.message} (kept as quarantined item {raw.pk})") from None
        enqueue_processing(raw.pk)
    return channel.answer(request, inbox, int(created))


def _body(request: HttpRequest, channel: Channel) -> bytes:
    """The raw body, refused before it is read when it claims to be too large."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > channel.max_inbound_bytes:
        raise body_too_large(channel.max_inbound_bytes)
    body = request.body
    if len(body) > channel.max_inbound_bytes:
        raise body_too_large(channel.max_inbound_bytes)
    return body


def _active_inbox(kind: str, public_key: str) -> Inbox | None:
    """The active inbox at this address, remembered for ``RAPPORT_WEBHOOK_INBOX_SECONDS``
    (a provider posts every message to the same one; the look-up was a quarter of a
    request's time). A changed token or a switched-off inbox counts after that long."""
    seconds = settings.RAPPORT_WEBHOOK_INBOX_SECONDS
    if seconds <= 0:
        return Inbox.objects.filter(public_key=public_key, kind=kind, is_active=True).first()
    now = time.monotonic()
    remembered = _inboxes.get((kind, public_key))
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    inbox = Inbox.objects.filter(public_key=public_key, kind=kind, is_active=True).first()
    with _inboxes_lock:
        if len(_inboxes) >= 1000:  # posts to made-up addresses must not grow it forever
            _inboxes.clear()
        _inboxes[(kind, public_key)] = (now + seconds, inbox)
    return inbox


_inboxes: dict[tuple[str, str], tuple[float, Inbox | None]] = {}
_inboxes_lock = threading.Lock()


def _store(
    inbox: Inbox, channel: Channel, request: HttpRequest, body: bytes, key: str
) -> tuple[RawWebhook, bool]:
    """The request as one row; (row, False) when its key was stored before."""
    headers = {
        name: request.headers[name] for name in channel.kept_headers if name in request.headers
    }
    raw = RawWebhook(
        inbox=inbox,
        key=key,
        body=body,
        content_type=request.META.get("CONTENT_TYPE", "")[:255],
        headers=headers,
        size=len(body),
    )
    try:
        _insert(raw)
    except IntegrityError:  # a retry, or a parallel duplicate that won the insert
        return RawWebhook.objects.only("pk").get(inbox=inbox, key=key), False
    return raw, True


def _insert(raw: RawWebhook) -> None:
    """One INSERT that commits by itself (no BEGIN and COMMIT round trips); inside a
    transaction (tests), in a savepoint, so a duplicate leaves the transaction usable."""
    if not connection.get_autocommit():
        with transaction.atomic():
            rows.insert(raw)
        return
    # Without Django's health check (CONN_HEALTH_CHECKS: a ``SELECT 1`` before a request's
    # first statement, half of this path's round trips). A kept connection that broke
    # fails the INSERT at once, and it is tried again on a new one. Had the first one
    # committed before the break, the second finds the row (a repeat: answered the same).
    connection.health_check_done = True  # type: ignore[attr-defined]  # Django 4.1+, not in the stubs
    try:
        rows.insert(raw)
    except (OperationalError, InterfaceError):
        connection.close()
        rows.insert(raw)
