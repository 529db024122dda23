"""The public contact page of a web-form inbox: /f/<public key>."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import RapportError, ValidationFailed
from rapport.core.inbound import body_too_large
from rapport.core.ratelimit import client_ip, hit, seconds_left_in_window
from rapport.customers.identities import normalize_email
from rapport.customers.models import IdentityKind
from rapport.inboxes.adapters.webform.forms import ContactForm
from rapport.inboxes.models import Inbox, InboxKind

HOUR = 3600


def theme(inbox: Inbox) -> dict[str, str]:
    accent = str(inbox.setting("accent_color", "#4f46e5"))
    if not (accent.startswith("#") and len(accent) in (4, 7) and accent[1:].isalnum()):
        accent = "#4f46e5"  # only a plain hex colour may reach the page's CSS
    return {
        "accent": accent,
        "title": str(inbox.setting("title", f"Contact {inbox.name}")),
        "intro": inbox.greeting or "Send us a message and we'll get back to you by e-mail.",
    }


# Websites embed the page in an iframe, so it may be framed anywhere; it runs no script.
FRAMEABLE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors *"
)


def with_policy(response: HttpResponse) -> HttpResponse:
    response["Content-Security-Policy"] = FRAMEABLE_POLICY
    return response


# The page is embedded on customers' own sites and has no session: a CSRF token would
# expire in cached pages. Spam is held off by the honeypot and the per-IP limit instead.
@csrf_exempt
@xframe_options_exempt
def contact_page(request: HttpRequest, public_key: str) -> HttpResponse:
    return with_policy(_contact_page(request, public_key))


def _unreadable_body(request: HttpRequest) -> RapportError | None:
    """Read the posted form now: a body over the limit or broken multipart is a refusal
    shown on the form page (413/400), not Django's bare error page."""
    try:
        request.POST, request.FILES  # noqa: B018  (reading them parses the body)
    except RequestDataTooBig:
        return body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
        return ValidationFailed("The form could not be read. Please fill it in and send it again.")
    return None


def _contact_page(request: HttpRequest, public_key: str) -> HttpResponse:
    inbox = get_object_or_404(Inbox, public_key=public_key, kind=InboxKind.WEBFORM, is_active=True)
    context: dict[str, object] = {"inbox": inbox, "theme": theme(inbox)}
    if request.method != "POST":
        context["form"] = ContactForm()
        return render(request, "webform/contact.html", context)
    unreadable = _unreadable_body(request)
    if unreadable is not None:
        context["form"], context["error"] = ContactForm(), unreadable.message
        return render(request, "webform/contact.html", context, status=unreadable.status_code)
    form = ContactForm(request.POST, request.FILES)
    context["form"] = form
    if not hit(
        f"webform:{client_ip(request)}", limit=settings.RAPPORT_WEBFORM_RATE, window_seconds=HOUR
    ):
        context["error"] = "Too many messages from your network. Please try again in an hour."
        response = render(request, "webform/contact.html", context, status=429)
        response["Retry-After"] = str(seconds_left_in_window(HOUR))
        return response
    if not form.is_valid():
        return render(request, "webform/contact.html", context, status=400)
    if form.cleaned_data["website"]:
        # Looks like success to the bot, stores nothing.
        return render(request, "webform/thanks.html", context)
    data = form.cleaned_data
    try:
        received = receive_message(
            inbox=inbox,
            message=InboundMessage(
                sender=Sender(IdentityKind.EMAIL, normalize_email(data["email"]), data["name"]),
                subject=data["subject"] or data["message"][:80],
                text=data["message"],
                attachments=[data["attachment"]] if data["attachment"] else [],
                raw={
                    "source": "webform",
                    "ip": client_ip(request),
                    "fields": {k: data[k] for k in ("name", "email", "subject", "message")},
                },
            ),
        )
    except RapportError as error:
        context["error"] = error.message
        return render(request, "webform/contact.html", context, status=error.status_code)
    context["conversation_number"] = received.message.conversation_id
    return render(request, "webform/thanks.html", context)
