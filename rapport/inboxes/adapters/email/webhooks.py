"""Inbound mail from providers (Mailgun, Postmark, SendGrid): check, store, answer.

Each inbox has its own URL (/email/inbound/<provider>/<public key>) and each provider
URL needs that provider's own secret: HTTP basic auth for Postmark and SendGrid,
Mailgun's signing key (fresh timestamp, unused token) for Mailgun. Missing credentials
answer 401, wrong ones 403, a URL whose secret is not configured 403.

Then the request body is stored as it came (``RawEmail``, format = the provider) before
anything parses it, and the provider is answered: 200 once stored, 400 with the reason
when the post holds no mail (it stays quarantined, to download or retry), 413 over the
size cap. Never 5xx for a bad post: providers retry every 5xx — only 503 with
Retry-After (the 500 handler's) when the database is away and nothing could be stored.
The mail is processed by a job after the commit (in the request if the queue is away).
Amazon SES needs boto3 and S3 access and is not offered here; point SES at the SMTP
listener or an IMAP mailbox.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapport.inboxes.adapters.email.config import EmailInboxConfig, load_config
from rapport.inboxes.adapters.email.ingest import store_raw
from rapport.inboxes.adapters.email.models import (
    RawEmail,
    RawFormat,
    RawSource,
    RawState,
    UsedWebhookToken,
)
from rapport.inboxes.adapters.email.posts import Malformed, extract, form_fields
from rapport.inboxes.adapters.email.tasks import enqueue_processing
from rapport.inboxes.models import Inbox, InboxKind

logger = logging.getLogger(__name__)

PROVIDERS = {
    "mailgun": RawFormat.MAILGUN,
    "postmark": RawFormat.POSTMARK,
    "sendgrid": RawFormat.SENDGRID,
}
# Mailgun signs a timestamp; older (or further ahead) than this is refused as a replay.
MAILGUN_FRESHNESS = timedelta(minutes=5)
POST_OVERHEAD = 1024 * 1024  # form encoding around the mail, over the inbox's mail cap


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@csrf_exempt
@require_POST
def inbound(request: HttpRequest, provider: str, public_key: str) -> HttpResponse:
    """POST /email/inbound/<provider>/<public key>: one provider's inbound webhook."""
    kind = PROVIDERS.get(provider)
    try:
        inbox = Inbox.objects.filter(
            public_key=public_key, kind=InboxKind.EMAIL, is_active=True
        ).first()
        if kind is None or inbox is None:
            raise Http404("no such inbound webhook")
        config = load_config(inbox)
        body = _read_body(request, config)
        token = _authenticate(kind, config, request, body)
        raw, created = _store(inbox, kind, request, body, token)
        response = _check_stored(raw)
    except Refused as refused:
        return _answer(refused.status, refused.reason)
    # The database away raises on: the 500 handler answers 503 with Retry-After
    # (core/unavailable.py), nothing was stored, and the provider keeps the mail.
    if created and response.status_code == 200:
        enqueue_processing(raw.pk)
    return response


def _read_body(request: HttpRequest, config: EmailInboxConfig) -> bytes:
    limit = config.max_message_bytes + POST_OVERHEAD
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "Content-Length is not a number") from None
    if declared > limit:
        raise Refused(413, f"the post is {declared} bytes, over this inbox's limit of {limit}")
    # Read straight from the stream: Django's form limits (2 MB) are for forms, not mail.
    return request.read(limit + 1)[: limit + 1]


def _authenticate(kind: str, config: EmailInboxConfig, request: HttpRequest, body: bytes) -> str:
    """Check the provider's credentials; returns Mailgun's token ("" for the others)."""
    if kind == RawFormat.MAILGUN:
        return _check_mailgun(config, request, body)
    _check_basic_auth(kind, config, request)
    return ""


def _check_basic_auth(kind: str, config: EmailInboxConfig, request: HttpRequest) -> None:
    if not config.webhook_basic_auth:
        raise Refused(403, f"no basic-auth secret is set for {kind} on this inbox")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Refused(401, "basic-auth credentials are missing")
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(401, "the basic-auth header is not base64") from None
    if not hmac.compare_digest(given, config.webhook_basic_auth.encode()):
        raise Refused(403, "wrong basic-auth credentials")


def _check_mailgun(config: EmailInboxConfig, request: HttpRequest, body: bytes) -> str:
    key = config.webhook_signing_key
    if not key:
        raise Refused(403, "no Mailgun signing key is set on this inbox")
    try:
        fields = form_fields(request.META.get("CONTENT_TYPE", ""), body)
    except Malformed as error:
        raise Refused(401, f"no Mailgun signature could be read: {error.reason}") from None
    timestamp, token, signature = (
        fields.get(name, b"") for name in ("timestamp", "token", "signature")
    )
    if not (timestamp and token and signature):
        raise Refused(401, "the Mailgun signature (timestamp, token, signature) is missing")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(403, "the Mailgun timestamp is not a number")
    if abs(time.time() - int(timestamp)) > MAILGUN_FRESHNESS.total_seconds():
        raise Refused(403, "the Mailgun signature is too old (or from the future): a replay?")
    expected = hmac.new(key.encode(), timestamp + token, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip()):
        raise Refused(403, "wrong Mailgun signature")
    return token.decode("utf-8", "replace")


def _store(
    inbox: Inbox, kind: str, request: HttpRequest, body: bytes, token: str
) -> tuple[RawEmail, bool]:
    """Store the post (and spend Mailgun's token) in one transaction."""
    content_type = request.META.get("CONTENT_TYPE", "")[:255]
    with transaction.atomic():
        if token:
            _spend_token(inbox, token)
        raw, created = store_raw(
            inbox,
            body,
            source=RawSource.WEBHOOK,
            source_ref=kind,
            format=kind,
            content_type=content_type,
        )
    return raw, created


def _spend_token(inbox: Inbox, token: str) -> None:
    UsedWebhookToken.objects.filter(seen_at__lt=timezone.now() - 2 * MAILGUN_FRESHNESS).delete()
    try:
        with transaction.atomic():
            UsedWebhookToken.objects.create(token=f"{inbox.pk}:{token}"[:255])
    except IntegrityError:
        raise Refused(403, "this Mailgun token was used before: a replay") from None


def _check_stored(raw: RawEmail) -> HttpResponse:
    """200 when the stored post holds a mail; else quarantine it and answer 400."""
    try:
        extract(raw)
    except Malformed as error:
        RawEmail.objects.filter(pk=raw.pk, state=RawState.PENDING).update(
            state=RawState.UNPROCESSABLE, error=error.reason, processed_at=timezone.now()
        )
        logger.info("webhook post %s quarantined: %s", raw.pk, error.reason)
        return _answer(400, f"{error.reason} (kept as quarantined item {raw.pk})")
    return _answer(200, f"stored as {raw.pk}")


def _answer(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="rapport inbound mail"'
    return response
