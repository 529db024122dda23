"""Turning what the agent app posts (query strings and forms) into values actions accept.

Every bad value becomes a ``ValidationFailed`` with a message meant for the person who sent
it, so the web layer shows a clear 400 instead of failing somewhere deeper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import QueryDict
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.conversations.models import Priority, Status
from rapport.conversations.selectors import ConversationFilter
from rapport.core.errors import ValidationFailed

MAX_TAG_CHARS = 50
SNOOZE_PRESETS = {"3h": "In 3 hours", "tomorrow": "Tomorrow morning", "week": "Next week"}
MORNING_HOUR = 9
MAX_ID_DIGITS = 18
MAX_CC_CHARS = 4000
CC_SEPARATORS = re.compile(r"[,;\n]+")
NAMED_ADDRESS = re.compile(r"<([^<>]*)>\s*$")


def optional_int(query: QueryDict, name: str) -> int | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    # Database ids are 64-bit: a longer number could never match and would overflow SQLite.
    if not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        raise ValidationFailed(f"{name} must be a number, not {raw[:20]!r}")
    return int(raw)


def parse_filters(query: QueryDict) -> ConversationFilter:
    """The inbox list's filters from its query string (see ``ConversationFilter``)."""
    tag = query.get("tag", "").strip()
    if len(tag) > MAX_TAG_CHARS:
        raise ValidationFailed(f"a tag has at most {MAX_TAG_CHARS} characters")
    priority = optional_int(query, "priority")
    if priority is not None and priority not in Priority.values:
        raise ValidationFailed(f"priority must be one of {Priority.values}")
    return ConversationFilter(
        view=query.get("view", "all").strip() or "all",
        status=query.get("status", Status.OPEN).strip() or Status.OPEN,
        inbox_id=optional_int(query, "inbox"),
        tag=tag or None,
        priority=priority,
        assignee_id=optional_int(query, "assignee"),
        sort=query.get("sort", "newest").strip() or "newest",
    )


def parse_cursor(query: QueryDict) -> str | None:
    return query.get("after", "").strip() or None


@dataclass(frozen=True)
class Assignment:
    assignee: User | None
    team: Team | None


def parse_assignment(post: QueryDict, *, me: User, current_team: Team | None) -> Assignment:
    """``assignee`` is an agent id, "me" or empty (unassign); ``team`` is a team id or empty.

    A form that sends only an assignee (the "Assign to me" button) keeps the current team.
    """
    raw = post.get("assignee", "").strip()
    assignee = me if raw == "me" else _active_user(raw) if raw else None
    team = _team(post.get("team", "").strip()) if "team" in post else current_team
    return Assignment(assignee=assignee, team=team)


def _active_user(raw: str) -> User:
    valid = raw.isdigit() and len(raw) <= MAX_ID_DIGITS
    user = User.objects.filter(pk=int(raw), is_active=True).first() if valid else None
    if user is None:
        raise ValidationFailed("choose an agent from the list")
    return user


def _team(raw: str) -> Team | None:
    if not raw:
        return None
    valid = raw.isdigit() and len(raw) <= MAX_ID_DIGITS
    team = Team.objects.filter(pk=int(raw)).first() if valid else None
    if team is None:
        raise ValidationFailed("choose a team from the list")
    return team


def parse_priority(post: QueryDict) -> int:
    priority = optional_int(post, "priority")
    if priority is None or priority not in Priority.values:
        raise ValidationFailed(f"priority must be one of {Priority.values}")
    return priority


def parse_tags(post: QueryDict) -> list[str]:
    """Tags typed as "billing, refund" (commas or new lines separate them)."""
    raw = post.get("tags", "").replace("\n", ",")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if any(len(name) > MAX_TAG_CHARS for name in names):
        raise ValidationFailed(f"a tag has at most {MAX_TAG_CHARS} characters")
    return names


def browser_timezone(post: QueryDict) -> tzinfo:
    """The agent's time zone from the offset app.js sends, else the server's.

    ``tz_offset`` is JavaScript's ``getTimezoneOffset()``: minutes *behind* UTC.
    """
    raw = post.get("tz_offset", "").strip().lstrip("+")
    digits = raw[1:] if raw.startswith("-") else raw
    if digits.isdigit() and int(digits) <= 14 * 60:
        return dt_timezone(timedelta(minutes=-int(raw)))
    return timezone.get_current_timezone()


def snooze_time(post: QueryDict, now: datetime) -> datetime:
    """When a snoozed conversation wakes: a preset ("3h", "tomorrow", "week") or a date-time."""
    zone = browser_timezone(post)
    preset = post.get("snooze", "").strip()
    if preset == "3h":
        return now + timedelta(hours=3)
    if preset in ("tomorrow", "week"):
        days = 1 if preset == "tomorrow" else 7
        local = now.astimezone(zone) + timedelta(days=days)
        return local.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
    return _typed_time(post.get("snooze_until", "").strip(), zone)


def _typed_time(raw: str, zone: tzinfo) -> datetime:
    if not raw:
        raise ValidationFailed("choose when the conversation should wake up")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{raw[:30]!r} is not a date and time") from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)


@dataclass(frozen=True)
class StatusChange:
    status: str
    snoozed_until: datetime | None = None


def parse_status(post: QueryDict) -> StatusChange:
    status = post.get("status", "").strip()
    if status not in Status.values:
        raise ValidationFailed(f"status must be one of {Status.values}")
    if status != Status.SNOOZED:
        return StatusChange(status)
    return StatusChange(status, snooze_time(post, timezone.now()))


def parse_cc(post: QueryDict) -> list[str]:
    """The reply's CC: addresses separated by commas, semicolons or new lines.

    "Name <address>" is accepted (the name is dropped); each address is checked here so the
    agent learns which one is wrong instead of a general refusal.
    """
    raw = post.get("cc", "")
    if len(raw) > MAX_CC_CHARS:
        raise ValidationFailed(f"the CC list has at most {MAX_CC_CHARS} characters")
    addresses = []
    for part in (piece.strip() for piece in CC_SEPARATORS.split(raw) if piece.strip()):
        named = NAMED_ADDRESS.search(part)
        address = (named.group(1) if named else part).strip()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(f"{part[:80]!r} in CC is not an e-mail address") from None
        addresses.append(address)
    return list(dict.fromkeys(addresses))
