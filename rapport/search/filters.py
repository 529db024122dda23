"""The operators and filters of a search, as conditions on index rows (``MessageDoc``).

Names a user types (an inbox, a team, an agent) are looked up among what the user may
see; a name that matches nothing is a clear message, the same whether it exists elsewhere
or not.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.conversations.models import Direction, Status
from rapport.core.errors import ValidationFailed
from rapport.inboxes import channels
from rapport.inboxes.selectors import visible_inboxes
from rapport.search.models import CustomerDoc
from rapport.search.query import Query
from rapport.search.syntax import all_prefixes
from rapport.search.terms import terms


def apply_filters(rows: QuerySet[Any], user: User, query: Query, m: str) -> QuerySet[Any]:
    """``rows`` narrowed by the query's operators; ``m`` is the path from a row to its
    message (``"message__"`` from an index row, ``""`` from a message)."""
    for name, values in query.filters.items():
        for value in values:
            rows = rows.filter(_FILTERS[name](user, value, m))
    for tag in query.excluded_tags:
        rows = rows.exclude(**{f"{m}conversation__tags__name": tag})
    if query.after:
        rows = rows.filter(**{f"{m}created_at__gte": _start_of(query.after)})
    if query.before:
        rows = rows.filter(**{f"{m}created_at__lt": _start_of(query.before)})
    return rows


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _status(user: User, value: str, m: str) -> Q:
    if value.lower() not in Status.values:
        raise ValidationFailed(f"status: is one of {', '.join(Status.values)}, not {value[:40]!r}")
    return Q(**{f"{m}conversation__status": value.lower()})


def _channel(user: User, value: str, m: str) -> Q:
    if channels.find(value.lower()) is None:  # any registered channel, not a fixed list
        kinds = ", ".join(channel.kind for channel in channels.all_channels())
        raise ValidationFailed(f"channel: is one of {kinds}, not {value[:40]!r}")
    return Q(**{f"{m}inbox__kind": value.lower()})


def _inbox(user: User, value: str, m: str) -> Q:
    inboxes = visible_inboxes(user)
    by_id = (
        inboxes.filter(pk=int(value))
        if value.isascii() and value.isdigit() and len(value) < 18
        else None
    )
    ids = list((by_id or inboxes.filter(name__iexact=value)).values_list("pk", flat=True))
    if not ids:
        raise ValidationFailed(f"inbox: no inbox you can see is called {value[:60]!r}")
    return Q(**{f"{m}inbox_id__in": ids})


def _team(user: User, value: str, m: str) -> Q:
    by_id = (
        Q(pk=int(value)) if value.isascii() and value.isdigit() and len(value) < 18 else Q(pk=None)
    )
    ids = list(Team.objects.filter(by_id | Q(name__iexact=value)).values_list("pk", flat=True))
    if not ids:
        raise ValidationFailed(f"team: there is no team called {value[:60]!r}")
    return Q(**{f"{m}conversation__team_id__in": ids})


def _agents(user: User, value: str) -> list[int]:
    if value.lower() == "me":
        return [user.pk]
    named = Q(email__iexact=value) | Q(name__icontains=value)
    return list(User.objects.filter(named).values_list("pk", flat=True)[:50])


def _assignee(user: User, value: str, m: str) -> Q:
    if value.lower() == "none":
        return Q(**{f"{m}conversation__assignee__isnull": True})
    ids = _agents(user, value)
    if not ids:
        raise ValidationFailed(f"assignee: no agent is called {value[:60]!r} (or use me, none)")
    return Q(**{f"{m}conversation__assignee_id__in": ids})


def _tag(user: User, value: str, m: str) -> Q:
    return Q(**{f"{m}conversation__tags__name": value.lower()})


def _customers_called(value: str) -> QuerySet[CustomerDoc, Any]:
    words = terms(value)
    if not words:
        raise ValidationFailed(f"from: and to: need a name or address, not {value[:40]!r}")
    matching = CustomerDoc.objects.filter(body__matches=all_prefixes(words, connection.vendor))
    return matching.values("customer_id")


def _from(user: User, value: str, m: str) -> Q:
    by_customer = Q(**{f"{m}direction": Direction.INBOUND}) & Q(
        **{f"{m}conversation__customer_id__in": _customers_called(value)}
    )
    return by_customer | Q(**{f"{m}author_id__in": _agents(user, value)})


def _to(user: User, value: str, m: str) -> Q:
    return Q(**{f"{m}direction": Direction.OUTBOUND}) & Q(
        **{f"{m}conversation__customer_id__in": _customers_called(value)}
    )


_FILTERS = {
    "status": _status,
    "channel": _channel,
    "inbox": _inbox,
    "team": _team,
    "assignee": _assignee,
    "tag": _tag,
    "from": _from,
    "to": _to,
}
