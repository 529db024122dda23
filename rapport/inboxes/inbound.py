"""The one inbound endpoint of webhook channels: ``/channels/<kind>/<public key>``.

A provider (an SMS gateway, a messenger) posts here. Store first, like e-mail's
webhooks: the channel checks the request came from the provider (its signature over the
raw body) and names what it carries (``request_key``: the provider's message id); the
body, its content type and the headers the parser needs are stored as one ``RawWebhook``
row, unique on (inbox, key), so a retried or doubled request is stored once. The body is
then read (``parse``: no writes) and the provider answered at once; what it holds becomes
messages and delivery statuses in a job after the commit (here, in the request, when the
job queue is away), through ``receive_message`` and ``record_provider_status``.

A body that cannot be read is quarantined (Settings → Quarantine, ``inboxes.quarantine``)
and answered 400 with the reason; one over ``max_inbound_bytes`` is refused before it is
read (413); a forged one is refused (403) and nothing is stored. Never a 500.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

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
    inbox = Inbox.objects.filter(public_key=public_key, kind=kind, is_active=True).first()
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


def _store(
    inbox: Inbox, channel: Channel, request: HttpRequest, body: bytes, key: str
) -> tuple[RawWebhook, bool]:
    """The request as one row; (row, False) when its key was stored before."""
    headers = {
        name: request.headers[name] for name in channel.kept_headers if name in request.headers
    }
    content_type = request.META.get("CONTENT_TYPE", "")[:255]
    try:
        with transaction.atomic():
            raw = RawWebhook.objects.create(
                inbox=inbox,
                key=key,
                body=body,
                content_type=content_type,
                headers=headers,
                size=len(body),
            )
    except IntegrityError:  # a retry, or a parallel duplicate that won the insert
        return RawWebhook.objects.only("pk").get(inbox=inbox, key=key), False
    return raw, True
