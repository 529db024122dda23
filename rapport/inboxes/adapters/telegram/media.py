"""Downloading the files of a customer's message: ``getFile`` names the file's path, which
is then fetched from ``{TELEGRAM_API_BASE}/file/bot<token>/<file_path>``.

Runs in the job that processes a stored update (``TelegramChannel.complete``), never on
the webhook's accept path. The Bot API hands out files up to 20 MB; a file over that or
over the installation's attachment limit, or one whose download fails, is not fetched and
the message says so in a note — the message itself is always kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.conversations.attachments import clean_filename
from rapport.inboxes.adapters.telegram import api
from rapport.inboxes.adapters.telegram.updates import TelegramFile

logger = logging.getLogger(__name__)

BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit
CHUNK = 64 * 1024


class NotFetched(Exception):
    """A file was left out; the message says why (``str(error)``, in plain words)."""


@dataclass(frozen=True)
class Fetched:
    files: list[SimpleUploadedFile]
    notes: list[str]  # one line per file left out


def limit() -> int:
    return min(BOT_API_DOWNLOAD_LIMIT, settings.RAPPORT_MAX_ATTACHMENT_BYTES)


def fetch_all(token: str, files: list[TelegramFile]) -> Fetched:
    fetched: list[SimpleUploadedFile] = []
    notes: list[str] = []
    for item in files:
        try:
            fetched.append(fetch(token, item))
        except NotFetched as error:
            notes.append(f"[The file “{clean_filename(item.name)}” was not fetched: {error}]")
    return Fetched(fetched, notes)


def fetch(token: str, item: TelegramFile) -> SimpleUploadedFile:
    """The file's bytes, or ``NotFetched``."""
    cap = limit()
    if item.size > cap:
        raise NotFetched(f"it is {_mb(item.size)}, over the limit of {_mb(cap)}")
    try:
        found = api.call(token, "getFile", {"file_id": item.file_id})
    except api.BotApiError as error:
        raise NotFetched(f"Telegram said: {error.description}") from None
    path = found.get("file_path") if isinstance(found, dict) else None
    if not isinstance(path, str) or not path:
        raise NotFetched("Telegram gave no download path (files over 20 MB have none)")
    content = _download(api.file_url(token, path), cap)
    name = item.name if "." in item.name else f"{item.name}.{path.rsplit('.', 1)[-1]}"
    return SimpleUploadedFile(clean_filename(name), content)


def _download(url: str, cap: int) -> bytes:
    try:
        with requests.get(url, stream=True, timeout=api.TIMEOUT, allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise NotFetched(f"the download answered HTTP {answer.status_code}")
            received = bytearray()
            for chunk in answer.iter_content(CHUNK):
                received += chunk
                if len(received) > cap:
                    raise NotFetched(f"it is larger than the limit of {_mb(cap)}")
            return bytes(received)
    except requests.RequestException as error:
        raise NotFetched(f"the download failed ({type(error).__name__})") from None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
