"""Reads about inboxes, with the permission rules every caller must go through."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.cache import cache
from django.db.models import QuerySet

from rapport.accounts.models import User
from rapport.core.errors import NotFound, PermissionDenied
from rapport.inboxes import channels
from rapport.inboxes.models import Inbox

# The sidebar's count of failing inboxes is asked on every page an admin opens: it is kept
# this long, so a failure shows within half a minute for the price of one query a minute.
FAILING_COUNT_SECONDS = 30
FAILING_COUNT_KEY = "rapport:failing-inboxes"


def visible_inboxes(user: User) -> QuerySet[Inbox]:
    """Admins and supervisors see every inbox; everyone else the inboxes they are members of.
    An API token limited to some inboxes narrows that further (``user.inbox_limit``)."""
    inboxes = Inbox.objects.all() if user.sees_all_by_role else Inbox.objects.filter(members=user)
    if user.inbox_limit is not None:
        inboxes = inboxes.filter(pk__in=user.inbox_limit)
    return inboxes


def visible_inbox_ids(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_visible_inbox_ids", None)
    if cached is None:
        cached = list(visible_inboxes(user).values_list("pk", flat=True))
        user._visible_inbox_ids = cached  # type: ignore[attr-defined]
    return cached


def access_inbox(user: User, inbox_id: int) -> Inbox:
    """The inbox, if ``user`` may see it; otherwise NotFound (never reveal that it exists)."""
    inbox = visible_inboxes(user).filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound(f"inbox {inbox_id} not found")
    return inbox


def access_inbox_settings(user: User, inbox_id: int, kind: str | None = None) -> Inbox:
    """An inbox whose settings ``user`` may open: admins only (PermissionDenied for anyone
    else), and NotFound when there is no such inbox (of ``kind``, when given).

    Every settings page of an inbox (general, e-mail, chat, connection test) fetches it
    here, so the rule is one line, not one per page.
    """
    if not user.is_admin:
        raise PermissionDenied("only admins can change Rapport's settings")
    rows = Inbox.objects.filter(pk=inbox_id)
    if kind is not None:
        rows = rows.filter(kind=kind)
    inbox = rows.first()
    if inbox is None:
        raise NotFound(f"inbox {inbox_id} not found")
    return inbox


def problems_by_inbox(inboxes: Sequence[Inbox]) -> dict[int, object]:
    """What is failing, per inbox, asked of each channel once (e-mail: fetching, sending)."""
    found: dict[int, object] = {}
    for channel in channels.all_channels():
        ids = [inbox.pk for inbox in inboxes if inbox.kind == channel.kind]
        found |= channel.problems(ids) if ids else {}
    return found


def failing_inbox_count() -> int:
    """How many inboxes are failing now (fetching or sending), for the admins' sidebar."""
    count = cache.get(FAILING_COUNT_KEY)
    if count is None:
        count = len(problems_by_inbox(list(Inbox.objects.only("id", "kind"))))
        cache.set(FAILING_COUNT_KEY, count, FAILING_COUNT_SECONDS)
    return int(count)


def forget_failing_count() -> None:
    """An inbox started or stopped failing: the next page counts again."""
    cache.delete(FAILING_COUNT_KEY)
