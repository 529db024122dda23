"""The inbox list: views (mine, unassigned, a team, all), status tabs, filters, load more."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from rapport.accounts.models import Role, Team, User
from rapport.conversations.forms import parse_cursor, parse_filters
from rapport.conversations.models import Priority, Status, Tag
from rapport.conversations.selectors import (
    ConversationFilter,
    Page,
    list_conversations,
    status_counts,
)
from rapport.conversations.views.common import agent, agent_page, is_htmx
from rapport.inboxes.selectors import visible_inboxes

VIEW_TITLES = {"mine": "Mine", "unassigned": "Unassigned", "all": "All conversations"}
SORTS = {"newest": "Newest activity", "waiting": "Waiting longest"}
TAG_CHOICES = 200  # the filter offers the first tags by name; longer lists are typed by URL


def home(request: HttpRequest) -> HttpResponse:
    return redirect("inbox")


@agent_page
def inbox(request: HttpRequest) -> HttpResponse:
    """One page of conversations; with ``after`` and htmx, only the next rows."""
    user = agent(request)
    filters = parse_filters(request.GET)
    page = list_conversations(user, filters, after=parse_cursor(request.GET))
    if is_htmx(request) and request.GET.get("partial") == "rows":
        return render(request, "conversations/_rows.html", {"page": page})
    return render(request, "conversations/inbox.html", list_context(user, filters, page))


def list_context(user: User, filters: ConversationFilter, page: Page) -> dict[str, Any]:
    teams = list(Team.objects.all())
    counts = status_counts(user, filters)
    return {
        "page": page,
        "teams": teams,
        "filters": filters,
        "title": view_title(filters, teams),
        "tabs": [
            (value, label, counts[value] if counts else None) for value, label in Status.choices
        ],
        "inbox_choices": list(visible_inboxes(user).only("id", "name")),
        "tag_choices": list(Tag.objects.values_list("name", flat=True)[:TAG_CHOICES]),
        "assignee_choices": list(
            User.objects.filter(is_active=True).exclude(role=Role.LIGHT).only("id", "name")
        ),
        "priority_choices": Priority.choices[1:],
        "sort_choices": SORTS.items(),
        "filtered": bool(filters.inbox_id or filters.tag or filters.assignee_id)
        or filters.priority is not None,
    }


def view_title(filters: ConversationFilter, teams: list[Team]) -> str:
    if filters.team_id:
        team = next((team for team in teams if team.pk == filters.team_id), None)
        return team.name if team else "Team"
    return VIEW_TITLES.get(filters.view, "Inbox")
