"""Template helpers of the agent app that know conversations: the sidebar, notes' mentions."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from rapport.accounts.models import Team, User
from rapport.conversations.mentions import MENTION
from rapport.conversations.selectors import tab_counts
from rapport.inboxes.selectors import failing_inbox_count

register = template.Library()


def _mention(match: re.Match[str]) -> str:
    return f'<span class="mention">@{match.group(1)}</span>'


@register.filter
def note_text(text: str) -> SafeString:
    """An internal note: escaped first, then @mentions highlighted (handles hold no HTML)."""
    highlighted = MENTION.sub(_mention, str(escape(text)))
    return mark_safe(linebreaks(highlighted, autoescape=False))  # noqa: S308


@register.inclusion_tag("conversations/_views_nav.html", takes_context=True)
def views_nav(context: template.Context, oob: bool = False) -> dict[str, Any]:
    """The sidebar's views with their badge counts (open conversations)."""
    request: HttpRequest = context["request"]
    user: User = request.user  # type: ignore[assignment]
    on_inbox = request.resolver_match is not None and request.resolver_match.url_name == "inbox"
    # The page often has the teams already (for its own menus): no second query then.
    teams = context.get("teams")
    if teams is None:
        teams = list(Team.objects.all())
    return {
        "counts": tab_counts(user),
        "teams": [(team, f"team:{team.pk}") for team in teams],
        "current": request.GET.get("view", "all") if on_inbox else "",
        "on_mentions": request.path.startswith("/mentions"),
        # Admins see in every page's sidebar that an inbox needs them (Settings has why).
        "failing_inboxes": failing_inbox_count() if user.is_admin else 0,
        "on_duplicates": request.path.startswith("/customers/duplicates"),
        "oob": oob,
    }
