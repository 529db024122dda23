"""Template helpers shared by every page of the agent app: avatars, times, links, text.

What needs a domain app (the sidebar's counts, notes' @mentions) is in
``rapport.conversations.templatetags.conversations_ui``: core knows no domain app."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import template
from django.db.models import Model
from django.http import HttpRequest
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.html import format_html, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

from rapport.core.html import sanitize_html

register = template.Library()

AVATAR_COLOURS = 8
MINUTE, HOUR, DAY = 60, 3600, 86400
WORD = re.compile(r"\w", re.UNICODE)


def initials_of(name: str) -> str:
    """Up to two letters from the first two words; names are untrusted, so only letters count."""
    letters = [match.group(0) for word in name.split()[:2] if (match := WORD.search(word))]
    return "".join(letters).upper() or "?"


@register.simple_tag
def avatar(person: Model | None, size: str = "md") -> SafeString:
    """A round badge with a person's initials, coloured by their id so it stays the same."""
    if person is None:
        return format_html(
            '<span class="avatar avatar-{} avatar-none" title="Unassigned" aria-hidden="true">'
            "</span>",
            size,
        )
    name = str(person)
    colour = (person.pk or 0) % AVATAR_COLOURS
    return format_html(
        '<span class="avatar avatar-{} av-{}" title="{}" aria-hidden="true">{}</span>',
        size,
        colour,
        name,
        initials_of(name),
    )


def short_duration(seconds: float) -> str:
    if seconds < MINUTE:
        return "now"
    if seconds < HOUR:
        return f"{int(seconds // MINUTE)}m"
    if seconds < DAY:
        return f"{int(seconds // HOUR)}h"
    return f"{int(seconds // DAY)}d"


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, the way inbox lists say it: now, 5m, 3h, 2d, then a date."""
    if value is None:
        return ""
    seconds = (timezone.now() - value).total_seconds()
    if seconds < 7 * DAY:
        return short_duration(max(seconds, 0))
    local = timezone.localtime(value)
    same_year = local.year == timezone.localtime().year
    return str(format_date(local, "M j" if same_year else "M j, Y"))


# Django's ``date`` filter parses its format and looks up the language's names on every
# call; an inbox page shows about a hundred dates, and that was a fifth of its time (1M
# conversations, bench/inbox.py). These fixed formats cost a strftime each.


@register.filter
def iso_time(value: datetime | None) -> str:
    """For ``<time datetime="…">``: what ``|date:'c'`` gives (local time, with offset)."""
    return timezone.localtime(value).isoformat() if value else ""


@register.filter
def full_time(value: datetime | None) -> str:
    """The exact moment, for a tooltip: "Mon 23 Nov 2026, 17:48"."""
    return _weekday_and_day(value, "%b %Y, %H:%M")


@register.filter
def day_time(value: datetime | None) -> str:
    """A moment of this year, shown on the page: "Mon 23 Nov, 17:48"."""
    return _weekday_and_day(value, "%b, %H:%M")


def _weekday_and_day(value: datetime | None, rest: str) -> str:
    """Local weekday and day of the month (no leading zero), then ``rest`` (strftime)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local:%a} {local.day} {local.strftime(rest)}"


@register.filter
def since(value: datetime | None) -> str:
    """The time elapsed since ``value`` (for "waiting 3h")."""
    if value is None:
        return ""
    return short_duration(max((timezone.now() - value).total_seconds(), 0))


@register.filter
def waited_long(value: datetime | None) -> bool:
    """A customer waiting more than a day deserves a louder marker."""
    return value is not None and (timezone.now() - value).total_seconds() > DAY


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (empty values remove a parameter).

    A changed filter starts again from the first page, so ``after`` is dropped unless given.
    """
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("partial", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def message_text(text: str) -> SafeString:
    """A customer's or agent's plain text: escaped, links made clickable, paragraphs kept."""
    linked = urlize(text, nofollow=True, autoescape=True)
    return mark_safe(linebreaks(linked, autoescape=False))  # noqa: S308


@register.filter
def clean_html(html: str) -> SafeString:
    """HTML from outside, sanitised again at display time in case it was stored unsanitised."""
    return mark_safe(sanitize_html(html))  # noqa: S308
