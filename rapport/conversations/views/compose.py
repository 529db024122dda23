"""Writing in a conversation: replies to the customer, internal notes, retrying a failed reply.

A reply goes through the inbox's channel (``Channel.send_reply``), which reads what its
reply box adds (the CC of e-mail).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from rapport.accounts.models import User
from rapport.conversations.actions import add_note, send_reply
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
from rapport.inboxes import channels
from rapport.inboxes.channels import Reply
from rapport.outbox import actions as outbox


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
    """A reply through the inbox's channel, with what its reply box added (e-mail's CC)."""
    reply = Reply(
        conversation=conversation,
        author=user,
        text=request.POST.get("text", ""),
        attachments=request.FILES.getlist("attachments"),
        status_after=status_after,
        form=request.POST,
    )
    channel = channels.find(conversation.inbox.kind)
    if channel is None:  # its line was taken out of RAPPORT_CHANNELS
        kind = conversation.inbox.kind
        raise ValidationFailed(f"replies cannot leave: the {kind!r} channel is switched off")
    return channel.send_reply(reply, send_reply)


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
