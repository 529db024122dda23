"""The side panel's changes: assignment, status (with snooze), priority and tags."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from rapport.conversations.actions import (
    assign_conversation,
    change_status,
    delete_conversation,
    set_priority,
    set_tags,
)
from rapport.conversations.forms import parse_assignment, parse_priority, parse_status, parse_tags
from rapport.conversations.models import Conversation, Priority, Status
from rapport.conversations.selectors import access_conversation
from rapport.conversations.views.common import (
    agent,
    agent_page,
    check_may_change,
    done,
    is_htmx,
)

STATUS_NOTES = {
    Status.OPEN: "Conversation reopened",
    Status.PENDING: "Marked as pending",
    Status.RESOLVED: "Conversation resolved",
}


def changeable(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = access_conversation(agent(request), conversation_id)
    check_may_change(agent(request), conversation)
    return conversation


@require_POST
@agent_page
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = changeable(request, conversation_id)
    choice = parse_assignment(request.POST, me=agent(request), current_team=conversation.team)
    assign_conversation(
        conversation=conversation,
        actor=agent(request),
        assignee=choice.assignee,
        team=choice.team,
    )
    who = choice.assignee or choice.team
    return done(request, conversation, f"Assigned to {who}" if who else "Unassigned")


@require_POST
@agent_page
def status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = changeable(request, conversation_id)
    change = parse_status(request.POST)
    change_status(
        conversation=conversation,
        actor=agent(request),
        status=change.status,
        snoozed_until=change.snoozed_until,
    )
    return done(request, conversation, status_note(conversation))


def status_note(conversation: Conversation) -> str:
    if conversation.status == Status.SNOOZED and conversation.snoozed_until:
        until = timezone.localtime(conversation.snoozed_until)
        return f"Snoozed until {formats.date_format(until, 'D j M, H:i')}"
    return STATUS_NOTES.get(Status(conversation.status), "Status changed")


@require_POST
@agent_page
def priority(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = changeable(request, conversation_id)
    chosen = parse_priority(request.POST)
    set_priority(conversation=conversation, actor=agent(request), priority=chosen)
    return done(request, conversation, f"Priority: {Priority(chosen).label}")


@require_POST
@agent_page
def tags(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = changeable(request, conversation_id)
    names = parse_tags(request.POST)
    saved = set_tags(conversation=conversation, actor=agent(request), names=names)
    return done(request, conversation, "Tags saved" if saved else "Tags cleared")


@require_POST
@agent_page
def delete(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The conversation menu's Delete (admins only; the page asked to confirm first)."""
    conversation = access_conversation(agent(request), conversation_id)
    number = conversation.pk
    delete_conversation(conversation=conversation, actor=agent(request))
    messages.success(request, f"Conversation #{number} deleted")
    inbox = redirect("inbox")
    if not is_htmx(request):
        return inbox
    response = HttpResponse(status=204)
    response["HX-Redirect"] = inbox.url  # htmx follows it as a whole page
    return response
