"""API: canned replies — read by every staff member, written by admins and supervisors —
and a canned reply filled in for one conversation.

Endpoints stay thin: fetch through an ``access_*`` selector (404 for what the caller may
not see), call one action, return the result.
"""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Router, Status
from pydantic import Field

from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import User
from rapport.conversations.selectors import access_conversation
from rapport.core.api import ObjectId, QuerySchema, Text
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import access_inbox
from rapport.replies import actions
from rapport.replies.models import CannedReply
from rapport.replies.placeholders import fill_canned_reply
from rapport.replies.schemas import CannedReplyIn, CannedReplyOut, CannedReplyPatch, FilledReplyOut
from rapport.replies.selectors import (
    access_canned_reply,
    access_offered_reply,
    offered_canned_replies,
    search_canned_replies,
)

router = Router(tags=["canned replies"])


class CannedReplyQuery(QuerySchema):
    inbox_id: ObjectId | None = Field(
        default=None, description="Only what this inbox's conversations are offered."
    )
    q: Text = Field(default="", max_length=100, description="Shortcut, title, text or inbox.")


def _with_people(replies: QuerySet[CannedReply]) -> list[CannedReply]:
    return list(replies.select_related("inbox", "created_by"))


def _inbox(user: User, inbox_id: int | None) -> Inbox | None:
    return access_inbox(user, inbox_id) if inbox_id is not None else None


@router.get("/canned-replies", response=list[CannedReplyOut], summary="List canned replies")
def list_canned_replies(
    request: AuthedRequest, params: Query[CannedReplyQuery]
) -> list[CannedReply]:
    """Those for all inboxes and those of the inboxes you see, by shortcut."""
    replies = search_canned_replies(request.auth, params.q)
    if params.inbox_id is not None:
        inbox = access_inbox(request.auth, params.inbox_id)
        replies = replies.filter(inbox__isnull=True) | replies.filter(inbox=inbox)
    return _with_people(replies.order_by("shortcut", "id"))


@router.post("/canned-replies", response={201: CannedReplyOut}, summary="Create a canned reply")
def create_canned_reply(request: AuthedRequest, payload: CannedReplyIn) -> Status[CannedReply]:
    """Admins and supervisors only. A shortcut already used where this one is offered is 409."""
    actions.check_may_manage(request.auth)  # before the inbox look-up: 403, not 404
    reply = actions.create_canned_reply(
        actor=request.auth,
        shortcut=payload.shortcut,
        title=payload.title,
        text=payload.text,
        inbox=_inbox(request.auth, payload.inbox_id),
    )
    return Status(201, access_canned_reply(request.auth, reply.pk))


@router.get("/canned-replies/{reply_id}", response=CannedReplyOut, summary="One canned reply")
def get_canned_reply(request: AuthedRequest, reply_id: ObjectId) -> CannedReply:
    return access_canned_reply(request.auth, reply_id)


@router.patch(
    "/canned-replies/{reply_id}", response=CannedReplyOut, summary="Change a canned reply"
)
def update_canned_reply(
    request: AuthedRequest, reply_id: ObjectId, payload: CannedReplyPatch
) -> CannedReply:
    """Admins and supervisors only; the fields left out keep their value."""
    reply = access_canned_reply(request.auth, reply_id)
    actions.check_may_manage(request.auth)
    inbox = reply.inbox
    if "inbox_id" in payload.model_fields_set:
        inbox = _inbox(request.auth, payload.inbox_id)
    actions.update_canned_reply(
        actor=request.auth,
        reply=reply,
        shortcut=payload.shortcut if payload.shortcut is not None else reply.shortcut,
        title=payload.title if payload.title is not None else reply.title,
        text=payload.text if payload.text is not None else reply.text,
        inbox=inbox,
    )
    return access_canned_reply(request.auth, reply_id)


@router.delete("/canned-replies/{reply_id}", response={204: None}, summary="Delete a canned reply")
def delete_canned_reply(request: AuthedRequest, reply_id: ObjectId) -> Status[None]:
    reply = access_canned_reply(request.auth, reply_id)
    actions.delete_canned_reply(actor=request.auth, reply=reply)
    return Status(204, None)


@router.get(
    "/conversations/{conversation_id}/canned-replies",
    response=list[CannedReplyOut],
    summary="The canned replies a conversation is offered",
)
def list_offered(request: AuthedRequest, conversation_id: ObjectId) -> list[CannedReply]:
    """Those of the conversation's inbox and those for all inboxes."""
    conversation = access_conversation(request.auth, conversation_id)
    return _with_people(offered_canned_replies(conversation))


@router.get(
    "/conversations/{conversation_id}/canned-replies/{reply_id}",
    response=FilledReplyOut,
    summary="A canned reply filled in for a conversation",
)
def get_filled(
    request: AuthedRequest, conversation_id: ObjectId, reply_id: ObjectId
) -> dict[str, object]:
    """The text with ``{{ customer.first_name }}`` and the other placeholders filled in for
    this conversation and you; a reply of another inbox is 404."""
    conversation = access_conversation(request.auth, conversation_id)
    reply = access_offered_reply(conversation, reply_id)
    filled = fill_canned_reply(reply.text, conversation, request.auth)
    return {
        "id": reply.pk,
        "shortcut": reply.shortcut,
        "title": reply.title,
        "text": filled.text,
        "unknown_placeholders": filled.unknown,
    }
