"""What every inbound path checks in text from outside, before it goes near the database.

Chat (HTTP and socket), the web form and the API channel call ``clean_text`` on each text
field a customer or an integration sends; a new channel should too. Three things would
otherwise reach the database and fail there as a 500 instead of a clear 400:

- a lone UTF-16 surrogate (JSON's ``"\\ud800"``): Python holds it, UTF-8 cannot encode
  it, so the insert raises ``UnicodeEncodeError``;
- a NUL character: PostgreSQL refuses it in text and JSON (SQLite would store it);
- text longer than the field's limit.

The messages name the field and say what is wrong, so a widget can show them as they are.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rapport.core.errors import TooLarge, ValidationFailed

# One pass of the regex engine in C: cheaper than encoding every text to find out.
_SURROGATE = re.compile("[\ud800-\udfff]")


def problem_in(value: str) -> str:
    """What makes ``value`` unstorable, in words ("" when nothing does)."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if _SURROGATE.search(value):
        return "contains a lone UTF-16 surrogate, which is not a character"
    return ""


def clean_text(value: object, *, field: str, limit: int, required: bool = False) -> str:
    """``value`` as text fit to store, or ``ValidationFailed`` naming ``field`` and why.

    ``limit`` counts characters. Over it is a 400 (the text was the problem, not the size
    of the request); ``required`` refuses an empty (or all-blank) value.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text")
    problem = problem_in(value)
    if problem:
        raise ValidationFailed(f"{field} {problem}")
    if len(value) > limit:
        raise ValidationFailed(f"{field} must be at most {limit} characters")
    if required and not value.strip():
        raise ValidationFailed(f"{field} is empty")
    return value


def body_too_large(limit_bytes: int) -> TooLarge:
    """The one wording of a request body over the server's limit, for every inbound path."""
    return TooLarge(f"the request is larger than the limit of {limit_bytes // 1024} KiB")


MAX_JSON_DEPTH = 64  # providers' webhook JSON is a handful of levels deep
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_object(body: bytes, *, what: str) -> dict[str, Any]:
    """A webhook body read as one JSON object, or ``ValidationFailed`` saying why not
    (``what`` names what was expected: "a Telegram Update"). Nesting is counted before
    parsing: Python's parser recurses, and 5,000 levels raise RecursionError, a 500."""
    if _json_depth(body) > MAX_JSON_DEPTH:
        raise ValidationFailed(f"the body is JSON nested more than {MAX_JSON_DEPTH} levels")
    try:
        found = json.loads(body)
    except UnicodeDecodeError:
        raise ValidationFailed("the body is not valid UTF-8") from None
    except (ValueError, RecursionError):
        raise ValidationFailed(f"the body is not JSON (expected {what})") from None
    if not isinstance(found, dict):
        raise ValidationFailed(f"the body is not {what}")
    return found


def _json_depth(data: bytes) -> int:
    """The deepest bracket nesting, counted without parsing (brackets inside strings may
    overcount: fine, real payloads are far below the limit)."""
    depth = deepest = 0
    for byte in data.translate(None, delete=_NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest
