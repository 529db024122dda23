"""Talking to Meta's Graph API with a Page access token, and what its errors mean.

The base URL is the setting ``META_GRAPH_API_BASE`` (with the API version), so tests talk
to a local server. The token goes in the ``Authorization`` header, never in the URL, so it
stays out of access logs. Graph errors come as ``{"error": {"message", "code",
"error_subcode"}}``, mostly with HTTP 400 whatever they mean: the code decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings

from rapport.outbox.errors import DeliveryError

TIMEOUT = (5, 20)  # connect, read (seconds)
LOOKUP_TIMEOUT = (3, 5)  # a name look-up: never worth a long wait

# Meta's rate limits: application (4), user (17), Page (32), and "too many calls" (613).
RATE_LIMIT_CODES = {4, 17, 32, 613}
OUTSIDE_WINDOW = (10, 2018278)  # (code, subcode): sent outside the allowed window
TOKEN_EXPIRED = 190
PERSON_UNAVAILABLE = 551
DEFAULT_RATE_WAIT = timedelta(minutes=1)  # when Meta limits us but says not how long


@dataclass
class GraphError(Exception):
    """An answer other than 2xx, or no answer (``status`` 0)."""

    status: int
    message: str
    code: int | None = None
    subcode: int | None = None
    retry_after: timedelta | None = None

    def __str__(self) -> str:
        code = f" (Meta error {self.code})" if self.code is not None else ""
        return f"{self.message}{code}"


def url(path: str) -> str:
    return f"{settings.META_GRAPH_API_BASE.rstrip('/')}/{path.lstrip('/')}"


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get(path: str, token: str, fields: str, timeout: Any = LOOKUP_TIMEOUT) -> dict[str, Any]:
    """GET ``path?fields=…``: the JSON object, or ``GraphError``."""
    try:
        answer = requests.get(
            url(path),
            params={"fields": fields},
            headers=_headers(token),
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        reason = type(error).__name__
        raise GraphError(0, f"Meta's Graph API could not be reached ({reason})") from None
    return _outcome(answer)


def post(
    path: str,
    token: str,
    *,
    body: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
    file: tuple[str, bytes, str] | None = None,
) -> dict[str, Any]:
    """POST JSON (``body``) or a multipart form (``form`` fields as JSON, ``file`` as
    ``filedata``). ``DeliveryError`` when it cannot be sent; ``GraphError`` for Meta's no."""
    if file is not None:
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (form or {}).items()}
        kwargs: dict[str, Any] = {"data": fields, "files": {"filedata": file}}
    else:
        kwargs = {"json": body or {}}
    try:
        answer = requests.post(
            url(path), headers=_headers(token), timeout=TIMEOUT, allow_redirects=False, **kwargs
        )
    except requests.ConnectionError as error:
        raise DeliveryError(f"Meta could not be reached: {type(error).__name__}") from None
    except requests.Timeout:
        # The request went out: Meta may have taken it; a person decides.
        raise DeliveryError("Meta did not answer in time", ambiguous=True) from None
    return _outcome(answer)


def _outcome(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        found = {}
    found = found if isinstance(found, dict) else {}
    if 200 <= answer.status_code < 300:
        return found
    error = found.get("error")
    error = error if isinstance(error, dict) else {}
    raise GraphError(
        status=answer.status_code,
        message=str(error.get("message") or f"HTTP {answer.status_code}")[:500],
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        retry_after=_retry_after(answer.headers.get("Retry-After", "")),
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _retry_after(value: str) -> timedelta | None:
    if value.strip().isdigit():
        return timedelta(seconds=min(int(value), 3600))
    return None


def delivery_error(error: GraphError) -> DeliveryError:
    """What a refused send means for the reply: tried again later, or failed with words."""
    if error.status == 429 or error.code in RATE_LIMIT_CODES:
        wait = error.retry_after or DEFAULT_RATE_WAIT
        return DeliveryError(f"Meta is limiting requests: {error}", retry_after=wait)
    if error.status >= 500 or error.status == 0:
        return DeliveryError(f"Meta had a problem ({error.status}): {error}")
    if (error.code, error.subcode) == OUTSIDE_WINDOW:
        return DeliveryError(
            "Meta refused it: it was sent outside the 24-hour window (the customer last wrote"
            " too long ago; they must write again before you can answer)",
            permanent=True,
        )
    if error.code == TOKEN_EXPIRED:
        return DeliveryError(
            "Meta refused the Page access token (expired or revoked): paste a new one in the"
            f" inbox's settings. Meta said: {error.message}",
            permanent=True,
        )
    if error.code == PERSON_UNAVAILABLE:
        return DeliveryError(
            f"This person isn't available right now, Meta says ({error.message})",
            permanent=True,
        )
    return DeliveryError(f"Meta refused it: {error}", permanent=True)


def check_words(error: GraphError, what: str, object_id: str) -> str:
    """A failed credential check, in words for the settings page."""
    if error.status == 0:
        return f"{error.message}: check this server's internet connection and save again."
    if error.code == TOKEN_EXPIRED:
        return (
            "Meta does not accept the Page access token (it is wrong, expired or was"
            " revoked): generate a new one in the Meta app's dashboard and paste it here."
        )
    if error.code in (100, 803):
        return (
            f"Meta found no {what} with the id {object_id}, or the token may not read it:"
            f" check the id and that the token belongs to that {what}. Meta said: {error}"
        )
    if error.code in (10, 200) or (error.code is not None and 200 <= error.code < 300):
        return (
            f"The token may not read the {what} (a permission is missing): give the app the"
            f" Page's messaging permissions and generate the token again. Meta said: {error}"
        )
    if error.status == 429 or error.code in RATE_LIMIT_CODES:
        return "Meta is limiting requests right now: wait a minute and save again."
    return f"Meta refused the check: {error}"
