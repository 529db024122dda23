"""The one inbound endpoint of webhook channels: ``/channels/<kind>/<public key>``.

A provider (an SMS gateway, a messenger) posts here. The channel checks the request came
from the provider (its signature over the raw body), reads the customer messages out of
it, and each becomes a message through ``receive_message``; a retried webhook carries the
same provider ids, so it stores nothing twice. Every refusal is a clear 4xx in JSON, and
text that could not be stored (NUL, a lone surrogate, too long) is one too, never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage
from rapport.core.errors import NotFound, RapportError, ValidationFailed
from rapport.core.inbound import body_too_large, clean_text, problem_in
from rapport.inboxes import channels
from rapport.inboxes.channels import Channel
from rapport.inboxes.models import Inbox


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
    received = [_store(inbox, message) for message in channel.parse(request, inbox, body)]
    return channel.answer(request, inbox, sum(received))


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


def _store(inbox: Inbox, message: InboundMessage) -> int:
    """1 when the message is new, 0 when the provider sent it before."""
    limit = settings.RAPPORT_MAX_MESSAGE_CHARS
    clean_text(message.text, field="text", limit=limit)
    clean_text(message.html, field="html", limit=limit)
    clean_text(message.subject, field="subject", limit=255)
    clean_text(message.sender.name, field="name", limit=200)
    clean_text(message.external_id, field="message id", limit=255)
    _check_raw(message.raw)
    return int(receive_message(inbox=inbox, message=message).created)


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
