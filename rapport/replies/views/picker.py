"""The reply box's canned replies: what a conversation is offered, and one filled in for it.

Both answer JSON to app.js. The conversation is fetched through ``access_conversation``,
so an agent who may not see it gets 404, as for the conversation page itself.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from rapport.conversations.selectors import access_conversation
from rapport.replies.models import CannedReply
from rapport.replies.placeholders import fill, fill_canned_reply, values_for
from rapport.replies.selectors import access_offered_reply, offered_canned_replies
from rapport.replies.views.common import json_view, staff

PREVIEW_CHARS = 140


def listed(reply: CannedReply, values: dict[str, str]) -> dict[str, object]:
    """One row of the picker; its preview is already filled in, as it would be inserted."""
    return {
        "id": reply.pk,
        "shortcut": reply.shortcut,
        "title": reply.title,
        "preview": fill(reply.text, values).text[:PREVIEW_CHARS],
        "inbox": reply.inbox.name if reply.inbox else None,
    }


def private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # customer details: never kept by a cache
    return response


@require_GET
@json_view
def offered(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = staff(request)
    conversation = access_conversation(user, conversation_id)
    values = values_for(conversation, user)
    items = [listed(reply, values) for reply in offered_canned_replies(conversation)]
    return private(JsonResponse({"items": items}))


@require_GET
@json_view
def filled(request: HttpRequest, conversation_id: int, reply_id: int) -> HttpResponse:
    """The reply's text for this conversation; ``unknown`` lists placeholders left as written."""
    user = staff(request)
    conversation = access_conversation(user, conversation_id)
    reply = access_offered_reply(conversation, reply_id)
    result = fill_canned_reply(reply.text, conversation, user)
    body = {"id": reply.pk, "shortcut": reply.shortcut, "text": result.text}
    return private(JsonResponse(body | {"unknown": result.unknown}))
