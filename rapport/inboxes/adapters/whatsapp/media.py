"""Fetching a customer's photo, voice message, video, document or sticker.

The webhook names the file by its media id only. In the job (never the accepting
request) the Graph API is asked for it — ``GET /{media-id}`` answers a short-lived URL —
and the file is downloaded from that URL with the same bearer token, up to the
attachment size limit. A file that cannot be fetched leaves the message as it is with a
note saying why: the message is never lost for its file.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from typing import Any

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.conversations.inbound import InboundMessage
from rapport.inboxes.adapters.whatsapp import graph
from rapport.inboxes.adapters.whatsapp.inbound import MEDIA
from rapport.inboxes.models import Inbox

CHUNK = 64 * 1024


def complete(inbox: Inbox, message: InboundMessage) -> InboundMessage:
    """``message`` with its file attached, or with a note when it could not be fetched."""
    raw = message.raw if isinstance(message.raw, dict) else {}
    found = raw.get("message")
    sent: dict[str, Any] = found if isinstance(found, dict) else {}
    kind = str(sent.get("type", ""))
    part = sent.get(kind)
    if kind not in MEDIA or not isinstance(part, dict) or not part.get("id"):
        return message
    try:
        upload = fetch(str(inbox.setting("access_token", "")), str(part["id"]), kind, part)
    except graph.GraphError as error:
        note = f"[The {MEDIA[kind].lower()} could not be fetched from WhatsApp: {error.words}]"
        return dataclasses.replace(message, text=f"{message.text}\n{note}")
    return dataclasses.replace(message, attachments=[upload])


def fetch(token: str, media_id: str, kind: str, part: dict[str, Any]) -> SimpleUploadedFile:
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    about = graph.call("GET", graph.url(media_id), token)
    address = about.get("url")
    if not isinstance(address, str) or not address.startswith(("https://", "http://")):
        raise graph.GraphError("the Graph API gave no download link for it")
    size = about.get("file_size")
    if isinstance(size, int) and size > limit:
        raise graph.GraphError(_too_large(size, limit))
    content_type = str(about.get("mime_type") or part.get("mime_type") or "")
    data = download(address, token, limit)
    return SimpleUploadedFile(filename(kind, part, content_type), data, content_type)


def download(address: str, token: str, limit: int) -> bytes:
    """The file's bytes, read no further than ``limit``."""
    try:
        with requests.get(
            address,
            headers={"Authorization": f"Bearer {token}"},
            timeout=graph.TIMEOUT,
            stream=True,
            allow_redirects=False,
        ) as answer:
            if answer.status_code != 200:
                raise graph.error_of(answer)
            chunks, total = [], 0
            for chunk in answer.iter_content(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise graph.GraphError(_too_large(total, limit, more=True))
                chunks.append(chunk)
    except requests.RequestException as error:
        raise graph.GraphError(f"the download failed ({type(error).__name__})") from None
    return b"".join(chunks)


def filename(kind: str, part: dict[str, Any], content_type: str) -> str:
    given = part.get("filename")
    if isinstance(given, str) and given.strip():
        return given
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return f"whatsapp-{kind}{extension}"


def _too_large(size: int, limit: int, more: bool = False) -> str:
    said = "more than " if more else ""
    return f"it is {said}{_size(size)}, over the {_size(limit)} limit for files"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{max(count // 1024, 1)} KB"
