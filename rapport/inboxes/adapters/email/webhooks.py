"""Inbound mail from providers (Mailgun, Postmark, SendGrid) through django-anymail.

anymail validates each provider's request (HTTP basic auth, Mailgun's HMAC signature) and
normalises its payload into a message; instead of anymail's global signal, these views
hand the message to the inbox's ingest pipeline. Each inbox has its own URL
(/email/inbound/<provider>/<public key>) and its own secrets. Amazon SES needs boto3 and
S3 access and is not offered here; point SES at the SMTP listener or an IMAP mailbox.
"""

from __future__ import annotations

from typing import Any

# django-anymail publishes no type hints.
from anymail.inbound import AnymailInboundMessage
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from rapport.inboxes.adapters.email.config import load_config
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawSource
from rapport.inboxes.models import Inbox, InboxKind


def raw_bytes(message: AnymailInboundMessage) -> bytes:
    """The message as RFC 822 bytes (providers that post raw MIME give it back verbatim)."""
    return bytes(message.as_bytes())


class _IngestInto:
    """Replaces anymail's signal dispatch with the inbox's ingest pipeline."""

    inbox: Inbox | None = None
    webhook_secret: list[str] | None = None  # anymail's basic-auth option, set per inbox

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.run_validators(request)  # type: ignore[attr-defined]
        assert self.inbox is not None
        for event in self.parse_events(request):  # type: ignore[attr-defined]
            ref = f"{self.esp_name}:{event.event_id or ''}"  # type: ignore[attr-defined]
            ingest(self.inbox, raw_bytes(event.message), source=RawSource.WEBHOOK, source_ref=ref)
        return HttpResponse()


class MailgunInbound(_IngestInto, MailgunInboundWebhookView):
    pass


class PostmarkInbound(_IngestInto, PostmarkInboundWebhookView):
    pass


class SendGridInbound(_IngestInto, SendGridInboundWebhookView):
    pass


PROVIDERS: dict[str, type[_IngestInto]] = {
    "mailgun": MailgunInbound,
    "postmark": PostmarkInbound,
    "sendgrid": SendGridInbound,
}


@csrf_exempt
def inbound(request: HttpRequest, provider: str, public_key: str) -> HttpResponse:
    """POST /email/inbound/<provider>/<public key>: one provider's inbound webhook."""
    view_class = PROVIDERS.get(provider)
    inbox = Inbox.objects.filter(
        public_key=public_key, kind=InboxKind.EMAIL, is_active=True
    ).first()
    if view_class is None or inbox is None:
        raise Http404("no such inbound webhook")
    config = load_config(inbox)
    if not config.webhook_basic_auth and not config.webhook_signing_key:
        # An inbound URL without any secret would let anyone inject mail.
        return HttpResponse("inbound webhooks are not configured for this inbox", status=403)
    secrets = [config.webhook_basic_auth] if config.webhook_basic_auth else []
    options: dict[str, Any] = {"inbox": inbox, "webhook_secret": secrets}
    if provider == "mailgun":
        options["webhook_signing_key"] = config.webhook_signing_key or "unset"
    view = view_class.as_view(**options)  # type: ignore[attr-defined]  # a View subclass
    response: HttpResponse = view(request)
    return response
