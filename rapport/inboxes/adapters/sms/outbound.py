"""Sending a reply through Twilio's Messages API, and what its errors mean.

POST {TWILIO_API_BASE}/2010-04-01/Accounts/{sid}/Messages.json, basic auth (account SID,
auth token), form fields To, From or MessagingServiceSid, Body, StatusCallback (the
inbox's webhook URL: delivery statuses come back there) and a MediaUrl per attachment (a
signed, expiring link to that one file on this server: ``conversations/links.py``). The
base URL is a setting so tests talk to a local server. 429 waits as long as
``Retry-After`` says; 5xx and lost connections are tried again; any other 4xx is
permanent and its words shown on the reply.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from django.conf import settings

from rapport.outbox.errors import DeliveryError

TIMEOUT = (5, 20)  # connect, read (seconds)


def messages_url(account_sid: str) -> str:
    base = settings.TWILIO_API_BASE.rstrip("/")
    return f"{base}/2010-04-01/Accounts/{account_sid}/Messages.json"


def send(
    config: dict[str, Any],
    *,
    to: str,
    text: str,
    status_callback: str,
    prefix: str = "",
    media_urls: list[str] | None = None,
) -> str:
    """Hand one message to Twilio; its id (``SM…``), or ``DeliveryError``. ``prefix`` is
    put before both numbers ("whatsapp:" for WhatsApp through Twilio)."""
    fields: dict[str, str | list[str]] = {
        "To": prefix + to,
        "Body": text,
        "StatusCallback": status_callback,
    }
    if media_urls:
        fields["MediaUrl"] = media_urls  # repeated, one per file (Twilio takes up to 10)
    if config.get("messaging_service_sid"):
        fields["MessagingServiceSid"] = config["messaging_service_sid"]
    else:
        fields["From"] = prefix + config["phone_number"]
    auth = (config["account_sid"], config["auth_token"])
    try:
        answer = requests.post(
            messages_url(config["account_sid"]),
            data=fields,
            auth=auth,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.ConnectionError as error:
        raise DeliveryError(f"Twilio could not be reached: {type(error).__name__}") from None
    except requests.Timeout:
        # The request went out: Twilio may have taken it; a person decides.
        raise DeliveryError("Twilio did not answer in time", ambiguous=True) from None
    return _outcome(answer)


def _outcome(answer: requests.Response) -> str:
    if answer.status_code in (200, 201):
        sid = _json(answer).get("sid")
        if not isinstance(sid, str) or not sid:
            raise DeliveryError("Twilio's answer holds no message id", ambiguous=True)
        return sid
    words = _twilio_words(answer)
    if answer.status_code == 429:
        wait = _retry_after(answer.headers.get("Retry-After", ""))
        raise DeliveryError(f"Twilio is limiting requests: {words}", retry_after=wait)
    if answer.status_code >= 500:
        raise DeliveryError(f"Twilio had a problem ({answer.status_code}): {words}")
    raise DeliveryError(f"Twilio refused it: {words}", permanent=True)


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        found = answer.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _twilio_words(answer: requests.Response) -> str:
    """Twilio's own message and error code, or the HTTP status when it sent none."""
    found = _json(answer)
    message = str(found.get("message") or f"HTTP {answer.status_code}")[:500]
    code = found.get("code")
    return f"{message} (error {code})" if code else message


def _retry_after(value: str) -> timedelta | None:
    if value.strip().isdigit():
        return timedelta(seconds=min(int(value), 3600))
    return None
