"""Writing in a conversation: replies to the customer, internal notes, retrying a failed reply.

Replies in e-mail inboxes go through the e-mail channel's action, which adds the CC.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from rapport.accounts.models import User
from rapport.conversations.actions import add_note, send_reply
from rapport.conversations.forms import parse_cc
from rapport.conversations.models import Conversation, Message, Status
from rapport.conversations.selectors import (
    access_conversation,
    can_change,
    failed_delivery,
    timeline_message,
)
from rapport.conversations.views.common import agent, agent_page, done
from rapport.conversations.views.context import composer_context
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.inboxes.adapters.email.actions import send_email_reply
from rapport.inboxes.models import InboxKind
from rapport.outbox import actions as outbox

# TODO(issue 10, channel registry): the composer should ask the inbox's channel for its
# extras (CC for e-mail) instead of importing send_email_reply from the e-mail channel;
# pyproject.toml lets this one upward import through until then.


@require_POST
@agent_page
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Send, or send and resolve. A light seat is refused by ``send_reply`` itself."""
    user = agent(request)
    conversation = access_conversation(user, conversation_id)
    if not can_change(user, conversation):
        raise PermissionDenied("only members of this inbox can reply in this conversation")
    resolve = "and_resolve" in request.POST
    sent = _send(request, conversation, user, Status.RESOLVED if resolve else None)
    message = timeline_message(conversation, sent.pk)  # re-read: sending may already be done
    note = "Reply sent and conversation resolved" if resolve else "Reply sent"
    return done(
        request,
        conversation,
        note,
        new_message=message,
        fresh_composer=True,
        **composer_context(conversation),
    )


def _send(
    request: HttpRequest, conversation: Conversation, user: User, status_after: str | None
) -> Message:
    """A reply through the inbox's channel: e-mail replies carry the CC the agent typed."""
    text = request.POST.get("text", "")
    files = request.FILES.getlist("attachments")
    if conversation.inbox.kind == InboxKind.EMAIL:
        return send_email_reply(
            conversation=conversation,
            author=user,
            text=text,
            cc=parse_cc(request.POST),
            attachments=files,
            status_after=status_after,
        )
    return send_reply(
        conversation=conversation,
        author=user,
        text=text,
        attachments=files,
        status_after=status_after,
    )


@require_POST
@agent_page
def note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """An internal note; anyone who can see the conversation may add one."""
    user = agent(request)
    conversation = access_conversation(user, conversation_id)
    added = add_note(conversation=conversation, author=user, text=request.POST.get("text", ""))
    message = timeline_message(conversation, added.pk)
    return done(
        request,
        conversation,
        "Note added",
        new_message=message,
        fresh_composer=True,
        composer_mode="note",
        **composer_context(conversation),
    )


@require_POST
@agent_page
def retry(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    user = agent(request)
    conversation = access_conversation(user, conversation_id)
    if not (can_change(user, conversation) and user.can_reply):
        raise PermissionDenied("only agents of this inbox can send replies again")
    delivery = failed_delivery(timeline_message(conversation, message_id))
    if delivery is None:
        raise ValidationFailed("this message has not failed, so there is nothing to retry")
    outbox.retry(delivery)
    message = timeline_message(conversation, message_id)
    return done(request, conversation, "Sending again", changed_message=message)
