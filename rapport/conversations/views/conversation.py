"""The conversation page, and one message's fragment (polled while a reply is sending)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from rapport.conversations.selectors import access_conversation, can_change, timeline_message
from rapport.conversations.views.common import agent, agent_page, is_htmx
from rapport.conversations.views.context import page_context


@require_GET
@agent_page
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = access_conversation(agent(request), conversation_id)
    return render(request, "conversations/conversation.html", page_context(request, found))


@require_GET
@agent_page
def message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    user = agent(request)
    found = access_conversation(user, conversation_id)
    if not is_htmx(request):
        return redirect(f"/conversations/{found.pk}#message-{message_id}")
    context = {
        "message": timeline_message(found, message_id),
        "conversation": found,
        "may_reply": can_change(user, found) and user.can_reply,
    }
    return render(request, "conversations/_message.html", context)
