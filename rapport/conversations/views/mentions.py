"""Mentions: the internal notes in which someone @mentioned me, newest first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.conversations.forms import optional_int
from rapport.conversations.mentions import handle_of
from rapport.conversations.selectors import mentions_of
from rapport.conversations.views.common import agent, agent_page

PAGE_SIZE = 30


@require_GET
@agent_page
def mentions(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    found = mentions_of(user, before=optional_int(request.GET, "before"), limit=PAGE_SIZE)
    older = found[-1].pk if len(found) == PAGE_SIZE else None
    context = {"mentions": found, "older": older, "handle": handle_of(user)}
    return render(request, "conversations/mentions.html", context)
