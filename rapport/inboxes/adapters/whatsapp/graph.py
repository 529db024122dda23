"""Talking to Meta's Graph API for WhatsApp: one request, its answer, its error in words.

Every call carries the inbox's access token as a bearer token and goes to
``META_GRAPH_API_BASE`` (a setting, so tests run against a local server). Meta answers an
error as ``{"error": {"message", "type", "code", "error_subcode", "error_data":
{"details"}}}``; ``GraphError`` says it in words and whether trying again can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings

TIMEOUT = (5, 20)  # connect, read (seconds)

# Meta's codes that mean "too many requests for now": its throughput and rate limits.
RATE_LIMITED = {4, 80007, 130429, 131048, 131056}
# Meta's own trouble: tried again later.
TEMPORARY = {1, 2, 131000, 131016, 133004}
# The codes an agent needs explained beyond Meta's own words.
WORDS = {
    131047: "More than 24 hours have passed since the customer last wrote: WhatsApp only"
    " delivers an approved template until they write again",
    131026: "WhatsApp could not deliver it: the number may not be on WhatsApp, or the"
    " customer's app is too old or has not accepted the latest terms",
    100: "WhatsApp refused a value in the message",
    190: "The access token has expired or was revoked: paste a new one in the inbox's"
    " WhatsApp settings",
    131051: "WhatsApp does not support this kind of message",
    131052: "WhatsApp could not download the file the customer sent",
    132001: "The template does not exist in this language, or is not approved yet",
    132000: "The template's variables do not match: fill in every one",
}


@dataclass
class GraphError(Exception):
    """A failed Graph API call: ``words`` for people, ``permanent`` when a retry won't help."""

    words: str
    status: int = 0
    code: int | None = None
    permanent: bool = False
    retry_after: timedelta | None = None
    said: str = ""  # Meta's own words only, for messages that explain the code themselves

    def __str__(self) -> str:
        return self.words


def url(*parts: str) -> str:
    return "/".join([settings.META_GRAPH_API_BASE.rstrip("/"), *parts])


def call(
    method: str,
    address: str,
    token: str,
    *,
    json: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
    data: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One JSON call; its answer, or ``GraphError``. A lost answer after the request went
    out (a timeout) is a ``GraphError`` with ``status`` -1: it may have been taken."""
    try:
        answer = requests.request(
            method,
            address,
            headers={"Authorization": f"Bearer {token}"},
            json=json,
            params=params,
            files=files,
            data=data,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.ConnectionError as error:
        raise GraphError(
            f"Meta's Graph API could not be reached ({type(error).__name__})"
        ) from None
    except requests.Timeout:
        raise GraphError("Meta's Graph API did not answer in time", status=-1) from None
    if answer.status_code in (200, 201):
        return body_of(answer)
    raise error_of(answer)


def body_of(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def error_of(answer: requests.Response) -> GraphError:
    """What a failed answer means: retry (429, rate limits, 5xx) or not (any other 4xx)."""
    error = body_of(answer).get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    words = error_words(error, answer.status_code)
    said = error_words(error, answer.status_code, ours=False)
    if answer.status_code == 429 or code in RATE_LIMITED:
        wait = retry_after(answer.headers.get("Retry-After", ""))
        return GraphError(
            f"WhatsApp is limiting messages for now: {words}",
            answer.status_code,
            code,
            retry_after=wait,
            said=said,
        )
    if answer.status_code >= 500 or code in TEMPORARY:
        return GraphError(
            f"Meta had a problem ({answer.status_code}): {words}", answer.status_code, code
        )
    return GraphError(words, answer.status_code, code, permanent=True)


def error_words(error: dict[str, Any], status: int = 0, *, ours: bool = True) -> str:
    """Meta's error as a sentence: our words for the codes agents meet (unless ``ours`` is
    False), then Meta's own."""
    code = error.get("code")
    theirs = str(error.get("message") or error.get("title") or "").strip()
    data = error.get("error_data")
    details = str(data.get("details") or "").strip() if isinstance(data, dict) else ""
    if details and details not in theirs:
        theirs = f"{theirs} — {details}" if theirs else details
    explained = WORDS.get(code) if isinstance(code, int) and ours else None
    parts = [part for part in (explained, theirs) if part]
    said = ". ".join(parts) if parts else f"HTTP {status}"
    return (f"{said} (error {code})" if code else said)[:500]


def retry_after(value: str) -> timedelta | None:
    if value.strip().isdigit():
        return timedelta(seconds=min(int(value), 3600))
    return None
