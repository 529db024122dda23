"""Calling X's API v2 as the inbox's account: ``{X_API_BASE}/2/...`` with the account's
OAuth 2.0 user-context access token as a bearer token (``Authorization: Bearer …``).

Why OAuth 2.0 and not OAuth 1.0a: the v2 direct-message endpoints take both, and a bearer
token needs no request signing (OAuth 1.0a signs every request with four secrets and a
nonce). Its cost: X's OAuth 2.0 user tokens expire after two hours. With a refresh token
(the ``offline.access`` scope) and the app's OAuth 2.0 client id, a send that X answers
401 renews the token (``POST /2/oauth2/token``, grant ``refresh_token``; X hands out a new
refresh token each time) and tries once more; without them the reply fails with X's words.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings

from rapport.outbox.errors import DeliveryError

TIMEOUT = (5, 20)  # connect, read (seconds)


def url(path: str) -> str:
    return f"{settings.X_API_BASE.rstrip('/')}{path}"


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(token: str) -> dict[str, Any]:
    """``GET /2/users/me``: the account the token speaks for; ``XError`` otherwise."""
    try:
        answer = requests.get(
            url("/2/users/me"), headers=headers(token), timeout=(5, 10), allow_redirects=False
        )
    except requests.RequestException as error:
        raise XError(0, f"X could not be reached ({type(error).__name__})") from None
    found = as_json(answer)
    data = found.get("data")
    if answer.status_code == 200 and isinstance(data, dict) and data.get("id"):
        return data
    raise XError(answer.status_code, words(answer))


class Account:
    """Requests to X as the inbox's account, for one send: the token, renewed once when X
    answers 401 (``renew``) and then kept for the send's other requests (a file's upload
    steps and the message)."""

    def __init__(self, token: str, renew: Callable[[], str] | None = None) -> None:
        self.token = token
        self.renew = renew

    def post(self, path: str, *, sends: bool = False, **kwargs: Any) -> requests.Response:
        """POST ``path`` (``json=``, ``data=``, ``files=``). ``sends``: the request delivers
        the message, so a lost answer may mean it went (``ambiguous``)."""
        answer = self._post(path, sends, kwargs)
        if answer.status_code == 401 and self.renew is not None:
            self.token, self.renew = self.renew(), None
            answer = self._post(path, sends, kwargs)
        return answer

    def _post(self, path: str, sends: bool, kwargs: dict[str, Any]) -> requests.Response:
        try:
            return requests.post(
                url(path),
                headers=headers(self.token),
                timeout=TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.ConnectionError as error:
            raise DeliveryError(f"X could not be reached: {type(error).__name__}") from None
        except requests.Timeout:
            raise DeliveryError("X did not answer in time", ambiguous=sends) from None

    def get(self, path: str, params: dict[str, str]) -> requests.Response:
        try:
            return requests.get(
                url(path),
                params=params,
                headers=headers(self.token),
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise DeliveryError(f"X could not be reached: {type(error).__name__}") from None


def send_dm(account: Account, participant_id: str, text: str, media_id: str = "") -> str:
    """``POST /2/dm_conversations/with/{participant_id}/messages``, with the uploaded file
    ``media_id`` (X takes one per message): the new event's id."""
    body: dict[str, Any] = {"text": text} if text else {}
    if media_id:
        body["attachments"] = [{"media_id": media_id}]
    path = f"/2/dm_conversations/with/{participant_id}/messages"
    answer = account.post(path, json=body, sends=True)
    if answer.status_code in (200, 201):
        data = as_json(answer).get("data")
        event_id = data.get("dm_event_id") if isinstance(data, dict) else None
        if not isinstance(event_id, str) or not event_id:
            raise DeliveryError("X's answer holds no message id", ambiguous=True)
        return event_id
    raise delivery_error(answer)


def refresh(refresh_token: str, client_id: str, client_secret: str) -> dict[str, str]:
    """New tokens for the account (``access_token``, ``refresh_token``), or
    ``DeliveryError``: permanent when X refuses the refresh token, else temporary."""
    auth = (client_id, client_secret) if client_secret else None
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    try:
        answer = requests.post(
            url("/2/oauth2/token"), data=form, auth=auth, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as error:
        raise DeliveryError(
            f"X could not renew the access token ({type(error).__name__})"
        ) from None
    found = as_json(answer)
    tokens = {key: found.get(key) for key in ("access_token", "refresh_token")}
    if answer.status_code == 200 and all(isinstance(v, str) and v for v in tokens.values()):
        return {key: str(value) for key, value in tokens.items()}
    said = str(found.get("error_description") or found.get("error") or words(answer))[:300]
    if answer.status_code >= 500 or answer.status_code == 429:
        raise DeliveryError(f"X could not renew the access token now: {said}")
    raise DeliveryError(
        f"X refused to renew the access token; paste new tokens on the inbox's settings: {said}",
        permanent=True,
    )


class XError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def delivery_error(answer: requests.Response) -> DeliveryError:
    said = words(answer)
    if answer.status_code == 429:
        return DeliveryError(f"X is limiting messages: {said}", retry_after=retry_after(answer))
    if answer.status_code >= 500:
        return DeliveryError(f"X had a problem ({answer.status_code}): {said}")
    if answer.status_code == 401:
        return DeliveryError(
            f"X refused the access token (it may have expired; paste a new one on the inbox's"
            f" settings): {said}",
            permanent=True,
        )
    return DeliveryError(f"X refused it: {said}", permanent=True)


def retry_after(answer: requests.Response) -> timedelta | None:
    """From ``Retry-After`` (seconds), else ``x-rate-limit-reset`` (when, in epoch seconds)."""
    given = answer.headers.get("Retry-After", "").strip()
    if given.isdigit():
        return timedelta(seconds=min(int(given), 3600))
    reset = answer.headers.get("x-rate-limit-reset", "").strip()
    if reset.isdigit():
        return timedelta(seconds=min(max(int(reset) - int(time.time()), 1), 3600))
    return None


def as_json(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def words(answer: requests.Response) -> str:
    """X's own explanation: ``detail`` (v2 problems), else ``errors[0].message``."""
    found = as_json(answer)
    errors = found.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    said = found.get("detail") or first.get("detail") or first.get("message") or found.get("title")
    return str(said or f"HTTP {answer.status_code}")[:500]
