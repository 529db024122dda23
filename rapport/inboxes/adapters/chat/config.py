"""A chat inbox's settings, read from ``Inbox.config`` with safe defaults.

Everything here reaches a stranger's browser (colours, texts) or decides who may talk
(secrets, origins, hours), so every value is checked and a bad one falls back to a default
instead of breaking the widget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from rapport.inboxes.models import Inbox

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("en", "de")
POSITIONS = ("right", "left")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
HOUR_MINUTE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
DEFAULT_COLOUR = "#4f46e5"

Hours = dict[str, list[tuple[time, time]]]


@dataclass(frozen=True)
class ChatSettings:
    """What one chat inbox looks like and how it behaves."""

    inbox_id: int
    name: str
    colour: str = DEFAULT_COLOUR
    greeting: str = ""
    position: str = "right"
    language: str = "en"
    prechat_form: bool = False
    identity_secret: str = ""
    allowed_origins: tuple[str, ...] = ()
    reply_to: str = ""
    tz: str = "UTC"
    hours: Hours = field(default_factory=dict)  # empty: always open
    # Per network address: raise them for a site whose visitors share one (an office NAT).
    messages_per_ip_minute: int = 120
    conversations_per_ip_hour: int = 20

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether ``now`` falls inside the weekly business hours (no hours set: always)."""
        if not self.hours:
            return True
        local = (now or timezone.now()).astimezone(_zone(self.tz))
        spans = self.hours.get(DAYS[local.weekday()], [])
        return any(start <= local.time() < end for start, end in spans)

    def origin_allowed(self, origin: str) -> bool:
        """No list configured: any site may embed the widget; otherwise only listed origins."""
        return not self.allowed_origins or origin in self.allowed_origins


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _choice(value: object, allowed: tuple[str, ...]) -> str:
    return value if isinstance(value, str) and value in allowed else allowed[0]


def parse_hours(raw: object) -> Hours:
    """``{"mon": [["09:00", "17:00"]], ...}``; malformed spans are dropped, not guessed at."""
    if not isinstance(raw, dict):
        return {}
    hours: Hours = {}
    for day, spans in raw.items():
        if day not in DAYS or not isinstance(spans, list):
            continue
        hours[day] = [_span(span) for span in spans if _valid_span(span)]
    return hours


def _valid_span(span: object) -> bool:
    return (
        isinstance(span, list | tuple)
        and len(span) == 2
        and all(isinstance(part, str) and HOUR_MINUTE.match(part) for part in span)
    )


def _span(span: list[str]) -> tuple[time, time]:
    start, end = (time.fromisoformat(part) for part in span)
    return start, end if end > start else time.max  # "22:00"-"00:00" means until midnight


def _origins(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(str(origin).rstrip("/") for origin in raw if str(origin).startswith("http"))


def chat_settings(inbox: Inbox) -> ChatSettings:
    """The checked settings of a chat inbox."""
    config = inbox.config or {}
    colour = str(config.get("color", DEFAULT_COLOUR))
    return ChatSettings(
        inbox_id=inbox.pk,
        name=inbox.name,
        colour=colour if HEX_COLOUR.match(colour) else DEFAULT_COLOUR,
        greeting=inbox.greeting[:500],
        position=_choice(config.get("position"), POSITIONS),
        language=_choice(config.get("language"), LANGUAGES),
        prechat_form=bool(config.get("prechat_form", False)),
        identity_secret=str(config.get("identity_secret", "")),
        allowed_origins=_origins(config.get("allowed_origins")),
        reply_to=str(config.get("reply_to", "")),
        tz=str(config.get("timezone", "UTC")),
        hours=parse_hours(config.get("hours")),
        messages_per_ip_minute=_positive(config.get("messages_per_ip_minute"), 120),
        conversations_per_ip_hour=_positive(config.get("conversations_per_ip_hour"), 20),
    )


def _positive(value: object, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )
