"""Fetching the files a customer sent on Messenger, so they stay after Meta's links expire.

The links come inside a (signed) webhook but point anywhere, so they are fetched through
``core/safe_http.py`` — public addresses only, no redirects — with the attachment size
limit. A file that cannot be fetched leaves the message as it is, with a note saying why
and the link.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from rapport.conversations.attachments import MAX_FILES
from rapport.core import safe_http
from rapport.inboxes.adapters.messenger.events import FILE_WORDS, attachment_url, attachments

TIMEOUT = 20.0  # seconds, for one file


@dataclass(frozen=True)
class Fetched:
    files: list[UploadedFile]
    notes: list[str]  # one line per file that could not be fetched


def fetch_files(message: dict[str, Any]) -> Fetched:
    """The message's photos, videos, audio and files, fetched; notes for those that failed."""
    files: list[UploadedFile] = []
    notes: list[str] = []
    for attachment in attachments(message):
        kind = str(attachment.get("type") or "")
        if kind not in FILE_WORDS:
            continue
        url = attachment_url(attachment)
        if len(files) >= MAX_FILES:
            notes.append(f"[A {kind} was left out: at most {MAX_FILES} files a message. {url}]")
            continue
        try:
            files.append(_fetch(url, kind))
        except (OSError, safe_http.UnsafeURL) as error:
            notes.append(f"[The {kind} could not be fetched from Meta ({error}). Link: {url}]")
    return Fetched(files, notes)


def _fetch(url: str, kind: str) -> UploadedFile:
    if not url:
        raise OSError("the attachment has no link")
    answer = safe_http.get(
        url, headers={}, timeout=TIMEOUT, limit=settings.RAPPORT_MAX_ATTACHMENT_BYTES
    )
    if answer.status != 200:
        raise OSError(f"Meta answered {answer.status}")
    content_type = answer.headers.get_content_type() or "application/octet-stream"
    return SimpleUploadedFile(_filename(url, kind), answer.body, content_type)


def _filename(url: str, kind: str) -> str:
    """The name in the link's path (Meta's CDN keeps one), else the kind."""
    name = posixpath.basename(unquote(urlsplit(url).path))
    return name[:200] or kind
