"""What Rapport's Twilio channels share (SMS, WhatsApp through Twilio, Voice): the API's
base URL (the setting ``TWILIO_API_BASE``, so tests run against a local server), the check
of an Account SID and auth token when settings are saved, and fetching the files Twilio
keeps for us (MMS pictures, WhatsApp media, voicemail recordings).

Fetching is guarded: a media URL from a webhook is fetched with the account's credentials
only when it is on the Twilio API host itself (same scheme, host and port as
``TWILIO_API_BASE``, under the inbox's own account), never elsewhere — a forged or
mistaken URL must not receive our auth token, nor make us fetch an internal address.
Twilio answers such a URL with a redirect to its media CDN; that hop, and any after it, go
through the SSRF guard (``core/safe_http.get``: public addresses only, no credentials).
Bodies are limited to ``RAPPORT_MAX_ATTACHMENT_BYTES``.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.core import safe_http
from rapport.core.errors import ValidationFailed

CHECK_TIMEOUT = (5, 10)  # connect, read (seconds)
FETCH_TIMEOUT = 20
MAX_REDIRECTS = 3


class MediaFailed(Exception):
    """A file Twilio keeps could not be fetched; the message says why, in words."""


@dataclass(frozen=True)
class Media:
    """A file Twilio keeps: its URL (on the API host), declared type and the name to store."""

    url: str
    content_type: str
    name: str


ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")


def clean_keys(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, str]:
    """The account SID and auth token of a Twilio channel's settings, checked in form only
    (the settings form asks Twilio); a blank token keeps the stored one."""
    account_sid = str(values.get("account_sid") or "").strip()
    if not ACCOUNT_SID.fullmatch(account_sid):
        raise ValidationFailed(
            "the account SID is AC followed by 32 letters and digits (on Twilio's console)"
        )
    token = str(values.get("auth_token") or "").strip() or str(previous.get("auth_token", ""))
    if not token:
        raise ValidationFailed("the auth token is needed (on Twilio's console, beside the SID)")
    return {"account_sid": account_sid, "auth_token": token}


def api_base() -> str:
    return str(settings.TWILIO_API_BASE).rstrip("/")


def account_url(account_sid: str, path: str = "") -> str:
    """``{TWILIO_API_BASE}/2010-04-01/Accounts/{sid}{path}``."""
    return f"{api_base()}/2010-04-01/Accounts/{account_sid}{path}"


def check_credentials(account_sid: str, auth_token: str) -> None:
    """Ask Twilio whether the SID and token open the account; ``ValidationFailed`` in
    words a person can act on when they do not."""
    try:
        answer = requests.get(
            account_url(account_sid, ".json"),
            auth=(account_sid, auth_token),
            timeout=CHECK_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise ValidationFailed(
            f"Twilio could not be reached to check the keys ({type(error).__name__});"
            " check this server's connection to the internet and save again"
        ) from None
    if answer.status_code == 200:
        return
    if answer.status_code == 401:
        raise ValidationFailed(
            "Twilio refused the Account SID and auth token: copy both again from the Twilio"
            " console (the auth token is behind “View”)"
        )
    if answer.status_code == 404:
        raise ValidationFailed(
            f"Twilio knows no account {account_sid}: check the Account SID on the Twilio console"
        )
    raise ValidationFailed(
        f"Twilio could not check the keys now (it answered HTTP {answer.status_code});"
        " try again in a minute"
    )


def media_name(stem: str, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return f"{stem}{extension}"


def _on_api_host(url: str, account_sid: str) -> bool:
    given, base = urlsplit(url), urlsplit(api_base())
    same_host = (given.scheme, given.hostname, given.port) == (
        base.scheme,
        base.hostname,
        base.port,
    )
    account_path = f"{base.path.rstrip('/')}/2010-04-01/Accounts/{account_sid}/"
    return same_host and given.path.startswith(account_path) and not given.username


def fetch(config: dict[str, Any], media: Media) -> SimpleUploadedFile:
    """The file, fetched as described in the module docstring; ``MediaFailed`` otherwise."""
    account_sid = str(config.get("account_sid", ""))
    if not _on_api_host(media.url, account_sid):
        raise MediaFailed("its address is not on Twilio's API for this account")
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    try:
        answer = requests.get(
            media.url,
            auth=(account_sid, str(config.get("auth_token", ""))),
            timeout=FETCH_TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as error:
        raise MediaFailed(f"Twilio could not be reached ({type(error).__name__})") from None
    with answer:
        if answer.is_redirect:
            location = urljoin(media.url, answer.headers.get("Location", ""))
            body, content_type = _follow(location, limit)
        elif answer.status_code == 200:
            body, content_type = (
                _read_limited(answer, limit),
                answer.headers.get("Content-Type", ""),
            )
        else:
            raise MediaFailed(f"Twilio answered HTTP {answer.status_code}")
    return SimpleUploadedFile(media.name, body, content_type or media.content_type)


def _read_limited(answer: requests.Response, limit: int) -> bytes:
    declared = answer.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MediaFailed(f"it is larger than the {limit // 1024 // 1024} MB limit")
    body = answer.raw.read(limit + 1, decode_content=True)
    if len(body) > limit:
        raise MediaFailed(f"it is larger than the {limit // 1024 // 1024} MB limit")
    return bytes(body)


def _follow(location: str, limit: int) -> tuple[bytes, str]:
    """Twilio's redirect to its CDN, and any after it, through the SSRF guard."""
    for _ in range(MAX_REDIRECTS):
        try:
            answer = safe_http.get(location, headers={}, timeout=FETCH_TIMEOUT, limit=limit)
        except safe_http.TooLargeAnswer:
            raise MediaFailed(f"it is larger than the {limit // 1024 // 1024} MB limit") from None
        except safe_http.UnsafeURL as error:
            raise MediaFailed(f"Twilio's media address was refused: {error.message}") from None
        except OSError as error:
            raise MediaFailed(f"Twilio's media server could not be reached ({error})") from None
        if answer.status in (301, 302, 303, 307, 308):
            location = urljoin(location, answer.headers.get("Location", ""))
            continue
        if answer.status != 200:
            raise MediaFailed(f"Twilio's media server answered HTTP {answer.status}")
        return answer.body, answer.headers.get("Content-Type", "")
    raise MediaFailed("Twilio's media server redirected too often")


def fetch_all(
    config: dict[str, Any], media: list[Media]
) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The files that could be fetched, and a note for each that could not."""
    files: list[SimpleUploadedFile] = []
    notes: list[str] = []
    for item in media:
        try:
            files.append(fetch(config, item))
        except MediaFailed as error:
            notes.append(
                f"[The {item.content_type or 'file'} attachment could not be fetched: {error}]"
            )
    return files, notes
