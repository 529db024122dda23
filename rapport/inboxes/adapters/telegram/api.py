"""Calling Telegram's Bot API: ``{TELEGRAM_API_BASE}/bot<token>/<method>``.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ...,
"description": "...", "parameters": {"retry_after": 35}}``; ``call`` returns the result or
raises ``BotApiError`` with Telegram's own description. The base URL is a setting so tests
talk to a local server. The token is part of every URL: never log a URL.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

TIMEOUT = (5, 20)  # connect, read (seconds)


class BotApiError(Exception):
    """Telegram refused a call, or could not be reached (``status`` 0)."""

    def __init__(
        self, status: int, description: str, *, retry_after: int | None = None, sent: bool = True
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.sent = sent  # False: the request never left (no connection), so a retry is safe


def method_url(token: str, method: str) -> str:
    return f"{settings.TELEGRAM_API_BASE.rstrip('/')}/bot{token}/{method}"


def file_url(token: str, file_path: str) -> str:
    """Where a file that ``getFile`` named is downloaded from."""
    return f"{settings.TELEGRAM_API_BASE.rstrip('/')}/file/bot{token}/{file_path}"


def call(
    token: str,
    method: str,
    payload: dict[str, Any] | None = None,
    *,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    timeout: tuple[float, float] = TIMEOUT,
) -> Any:
    """Call ``method``; its result, or ``BotApiError``. With ``files`` the call is a
    multipart form (``payload`` values as fields), otherwise a JSON body."""
    if not token:
        raise BotApiError(401, "no bot token is saved", sent=False)
    body: dict[str, Any] = (
        {"data": payload or {}, "files": files} if files else {"json": payload or {}}
    )
    try:
        answer = requests.post(
            method_url(token, method), timeout=timeout, allow_redirects=False, **body
        )
    except requests.Timeout:
        raise BotApiError(0, "Telegram did not answer in time") from None
    except requests.RequestException as error:
        raise BotApiError(
            0, f"Telegram could not be reached ({type(error).__name__})", sent=False
        ) from None
    found = _json(answer)
    if answer.status_code == 200 and found.get("ok") is True:
        return found.get("result")
    description = str(found.get("description") or f"HTTP {answer.status_code}")[:500]
    raise BotApiError(
        int(found.get("error_code") or answer.status_code),
        description,
        retry_after=_retry_after(found, answer),
    )


def _retry_after(found: dict[str, Any], answer: requests.Response) -> int | None:
    """Telegram's wait in seconds: ``parameters.retry_after``, else a Retry-After header."""
    parameters = found.get("parameters")
    given = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(given, int) and not isinstance(given, bool) and given >= 0:
        return given
    header = answer.headers.get("Retry-After", "").strip()
    return int(header) if header.isdigit() else None


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
