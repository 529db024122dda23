"""A chat inbox's settings, checked strictly before they are stored.

The chat channel reads its settings leniently (``adapters.chat.config``: a bad value falls
back to a default so a stranger's widget never breaks). The settings page must instead
refuse a bad value and say why, so an admin never saves something silently ignored.
The keys are the ones ``chat_settings`` reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.chat.config import (
    DAYS,
    DEFAULT_COLOUR,
    HEX_COLOUR,
    HOUR_MINUTE,
    LANGUAGES,
    POSITIONS,
)

MAX_ORIGINS = 50
MAX_RATE = 100_000


def clean_chat(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """Checked chat settings; an empty identity secret keeps the stored one or gets a new one."""
    colour = str(values.get("color") or DEFAULT_COLOUR).strip()
    if not HEX_COLOUR.match(colour):
        raise ValidationFailed("the colour must be a hex colour such as #4f46e5")
    return {
        "color": colour,
        "position": _one_of("position", values.get("position") or "right", POSITIONS),
        "language": _one_of("language", values.get("language") or "en", LANGUAGES),
        "prechat_form": bool(values.get("prechat_form")),
        "identity_secret": _secret(values, previous),
        "allowed_origins": _origins(values.get("allowed_origins") or []),
        "reply_to": _reply_to(str(values.get("reply_to") or "").strip()),
        "timezone": _zone(str(values.get("timezone") or "UTC").strip()),
        "hours": _hours(values.get("hours") or {}),
        "messages_per_ip_minute": _rate(values, "messages_per_ip_minute", 120),
        "conversations_per_ip_hour": _rate(values, "conversations_per_ip_hour", 20),
    }


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValidationFailed(f"the {name} must be one of {', '.join(allowed)}")
    return str(value)


def _secret(values: Mapping[str, Any], previous: Mapping[str, Any]) -> str:
    given = str(values.get("identity_secret") or "").strip()
    if given and len(given) < 16:
        raise ValidationFailed("the identity secret needs at least 16 characters")
    if given:
        return given
    if previous.get("identity_secret") and not values.get("new_identity_secret"):
        return str(previous["identity_secret"])
    # Identity verification works from the first day: nobody has to invent a secret.
    return secrets.token_urlsafe(32)


def _origins(raw: object) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_ORIGINS:
        raise ValidationFailed(f"list at most {MAX_ORIGINS} websites")
    origins = []
    for origin in (str(item).strip().rstrip("/") for item in raw):
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValidationFailed(
                f"{origin[:80]!r} is not a website origin such as https://shop.example"
            )
        origins.append(origin)
    return origins


def _reply_to(address: str) -> str:
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(f"{address[:100]!r} is not an e-mail address") from None
    return address


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"{name[:60]!r} is not a time zone such as Europe/Berlin") from None
    return name


def _hours(raw: object) -> dict[str, list[list[str]]]:
    """``{"mon": [["09:00", "17:00"]], ...}``; an empty mapping means always open."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("business hours must map days to opening times")
    hours: dict[str, list[list[str]]] = {}
    for day, spans in raw.items():
        if day not in DAYS or not isinstance(spans, list):
            raise ValidationFailed(f"{str(day)[:10]!r}: days are {', '.join(DAYS)}, with a list")
        hours[day] = [_span(day, span) for span in spans]
    return hours


def _span(day: str, span: object) -> list[str]:
    parts = [str(part) for part in span] if isinstance(span, list | tuple) else []
    if len(parts) != 2 or not all(HOUR_MINUTE.match(part) for part in parts):
        raise ValidationFailed(f"opening times on {day} must look like 09:00-17:00")
    start, end = parts
    if end != "00:00" and end <= start:
        raise ValidationFailed(f"on {day}, {start}-{end} closes before it opens")
    return [start, end]


def _rate(values: Mapping[str, Any], key: str, default: int) -> int:
    value = values.get(key)
    value = default if value is None else value
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_RATE:
        what = key.replace("_ip_", " per address per ").replace("_", " ")
        raise ValidationFailed(f"{what}: a whole number from 1 to {MAX_RATE}")
    return value
