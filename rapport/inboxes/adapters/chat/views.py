"""The widget's HTTP endpoints (under /chat/): thin — parse, call an action, answer JSON."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse

from rapport.conversations.models import Attachment
from rapport.core.errors import PermissionDenied, TooLarge, ValidationFailed
from rapport.core.ratelimit import client_ip
from rapport.inboxes.adapters.chat import actions, limits, selectors
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.serializers import (
    IMAGE_TYPES,
    attachment_id_from,
    visitor_message,
)
from rapport.inboxes.adapters.chat.tokens import read_token
from rapport.inboxes.adapters.chat.web import (
    check_origin,
    json_body,
    only,
    text_field,
    visitor_of,
    widget_endpoint,
)


@widget_endpoint
def widget(request: HttpRequest, public_key: str) -> HttpResponse:
    """What the widget needs to draw itself: theme, texts, form, and whether anyone is in."""
    only(request, "GET")
    inbox = selectors.chat_inbox(public_key=public_key)
    check_origin(request, inbox)
    config = chat_settings(inbox)
    return JsonResponse(
        {
            "name": config.name,
            "color": config.colour,
            "greeting": config.greeting,
            "position": config.position,
            "language": config.language,
            "prechat_form": config.prechat_form,
            "max_chars": limits.MAX_MESSAGE_CHARS,
            "max_file_bytes": settings.RAPPORT_MAX_ATTACHMENT_BYTES,
            **selectors.availability(inbox),
        }
    )


@widget_endpoint
def sessions(request: HttpRequest, public_key: str) -> HttpResponse:
    """Start (or keep) a visitor session: ``{token?, user_id?, user_hash?}`` → ``{token}``."""
    only(request, "POST")
    inbox = selectors.chat_inbox(public_key=public_key)
    check_origin(request, inbox)
    data = json_body(request)
    user_id, user_hash = text_field(data, "user_id", 300), text_field(data, "user_hash", 300)
    kept = _kept_token(text_field(data, "token", 1000), inbox.pk, bool(user_id))
    if kept:
        return JsonResponse({"token": kept, "verified": bool(user_id)})
    session = actions.start_session(
        inbox=inbox, ip=client_ip(request), user_id=user_id, user_hash=user_hash
    )
    return JsonResponse({"token": session.token, "verified": session.visitor.verified})


def _kept_token(token: str, inbox_id: int, wants_verified: bool) -> str:
    """A stored token stays valid for the same inbox unless the site now names its user."""
    if not token or wants_verified:
        return ""
    try:
        visitor = read_token(token)
    except PermissionDenied:
        return ""
    return token if visitor.inbox_id == inbox_id and not visitor.verified else ""


@widget_endpoint
def messages(request: HttpRequest) -> HttpResponse:
    """GET: history (``?before=<id>`` pages back). POST: ``{text, client_id, page}``."""
    visitor, inbox = visitor_of(request)
    if request.method == "GET":
        before = request.GET.get("before", "")
        rows = selectors.history(visitor, before_id=int(before) if before.isdigit() else None)
        ids = {m.conversation_id for m in rows}
        return JsonResponse(
            {"messages": [visitor_message(m) for m in rows], "receipts": selectors.receipts(ids)}
        )
    only(request, "POST")
    data = json_body(request)
    received = actions.post_message(
        inbox=inbox,
        visitor=visitor,
        text=text_field(data, "text", limits.MAX_MESSAGE_CHARS),
        client_id=text_field(data, "client_id", 100),
        page_url=text_field(data, "page", 2000),
        ip=client_ip(request),
    )
    return JsonResponse({"message": visitor_message(received.message)}, status=201)


@widget_endpoint
def attachments(request: HttpRequest) -> HttpResponse:
    """POST multipart: ``file``, ``client_id``, optional ``text``."""
    only(request, "POST")
    visitor, inbox = visitor_of(request)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed("choose a file to send")
    if (upload.size or 0) > settings.RAPPORT_MAX_ATTACHMENT_BYTES:
        limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES // 1024 // 1024
        raise TooLarge(f"files can be at most {limit} MB")
    received = actions.post_message(
        inbox=inbox,
        visitor=visitor,
        text=text_field(request.POST, "text", limits.MAX_MESSAGE_CHARS),
        client_id=text_field(request.POST, "client_id", 100),
        ip=client_ip(request),
        attachments=[upload],
    )
    return JsonResponse({"message": visitor_message(received.message)}, status=201)


@widget_endpoint
def contact(request: HttpRequest) -> HttpResponse:
    """The pre-chat or offline form: ``{name, email}``, kept as unverified contact details."""
    only(request, "POST")
    visitor, _inbox = visitor_of(request)
    data = json_body(request)
    customer = actions.set_contact(
        visitor=visitor, name=text_field(data, "name", 200), email=text_field(data, "email", 254)
    )
    return JsonResponse({"name": customer.name, "email": customer.email})


def chat_file(request: HttpRequest, signed: str) -> FileResponse:
    """A file from a chat message, by a signed link (an <img> tag sends no token).

    Images may show inline (the widget previews them); everything else downloads. The
    sandbox policy and nosniff keep even a disguised file from running as a page.
    """
    attachment_id = attachment_id_from(signed)
    attachment = Attachment.objects.filter(pk=attachment_id).first() if attachment_id else None
    if attachment is None:
        raise Http404("no such file")
    inline = attachment.content_type in IMAGE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "private, max-age=86400"
    return response
