"""Attachment downloads: access-checked like their conversation, never rendered inline."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from rapport.conversations.links import shared_attachment
from rapport.conversations.selectors import access_attachment
from rapport.conversations.views.common import agent, agent_page
from rapport.core.errors import NotFound


@require_GET
@agent_page
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    found = access_attachment(agent(request), attachment_id)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {attachment_id} is missing from storage") from None
    response = FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
    # The bytes came from a customer: the browser must download them, never guess and render.
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def attachment_shared(request: HttpRequest, signed: str, name: str) -> HttpResponseBase:
    """One reply attachment by a signed, expiring link (``conversations/links.py``), for
    the provider that sends it (Twilio fetches MediaUrl). ``name`` only ends the URL with
    the file's name; the signature decides. Served with its type, which Twilio reads."""
    found = shared_attachment(signed)
    if found is None:
        raise Http404("this link is not valid, or has expired")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("the file is missing from storage") from None
    response = FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
