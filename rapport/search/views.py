"""The agent app's search: the page (``/search``) and the results as you type.

Both read through ``selectors`` (the user's own visibility) and render the same rows; a
search that cannot run (only punctuation, an unknown inbox) shows its message where the
results would be.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.accounts.models import User
from rapport.conversations.views.common import agent, agent_page
from rapport.core.errors import ValidationFailed
from rapport.inboxes import channels
from rapport.inboxes.selectors import visible_inboxes
from rapport.search.query import parse, with_filters
from rapport.search.selectors import search_customers, search_messages

PAGE_SIZE = 20
SUGGESTIONS = 6
FILTERS = ("status", "inbox", "channel")


@require_GET
@agent_page
def search_page(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    context = _results(user, request.GET, limit=PAGE_SIZE)
    # A partial for htmx, except when it restores history (Back): that needs the page.
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    if partial and request.GET.get("cursor"):
        return render(request, "search/_more.html", context)
    if partial:
        return render(request, "search/_results.html", context)
    context |= _choices(user)
    return render(request, "search/search.html", context)


@require_GET
@agent_page
def search_suggestions(request: HttpRequest) -> HttpResponse:
    """The box on every page: the first few results under it while typing."""
    context = _results(agent(request), request.GET, limit=SUGGESTIONS)
    return render(request, "search/_suggestions.html", context)


def _results(user: User, params: Any, *, limit: int) -> dict[str, Any]:
    text = params.get("q", "").strip()
    chosen = {name: params.get(name) or None for name in FILTERS}
    context: dict[str, Any] = {"q": text, "chosen": chosen, "sort": params.get("sort", "newest")}
    if not text and not any(chosen.values()):
        return context | {"blank": True}
    try:
        query = with_filters(parse(text), **chosen)
        page = search_messages(
            user, query, sort=context["sort"], cursor=params.get("cursor"), limit=limit
        )
        first = not params.get("cursor") and query.has_text
        customers = (
            search_customers(user, text, limit=4 if limit < PAGE_SIZE else 8) if first else []
        )
    except ValidationFailed as refused:
        return context | {"refused": refused.message}
    return context | {"hits": page.hits, "next_cursor": page.next_cursor, "customers": customers}


def _choices(user: User) -> dict[str, Any]:
    return {
        "inbox_choices": list(
            visible_inboxes(user).order_by("name").values_list("name", flat=True)
        ),
        "channel_choices": [(c.kind, c.label) for c in channels.all_channels()],
        "status_choices": [
            ("open", "Open"),
            ("pending", "Pending"),
            ("snoozed", "Snoozed"),
            ("resolved", "Resolved"),
        ],
        "inbox_count": len(visible_inboxes(user)) if not user.sees_all_inboxes else None,
    }
