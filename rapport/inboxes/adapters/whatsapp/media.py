"""Fetching a customer's photo, voice message, video, document or sticker.

The webhook names the file by its media id only. In the job (never the accepting
request) the Graph API is asked for it — ``GET /{media-id}`` answers a short-lived URL —
and the file is downloaded from that URL with the same bearer token, up to the
attachment size limit. A file that cannot be fetched leaves the message as it is with a
note saying why: the message is never lost for its file. When Meta may give it later (no
answer, a timeout, a 5xx, a rate limit) the note says "could not be fetched yet" and a
``MediaFetch`` row has the minute's job (``tasks.py``) try again after each of ``WAITS``;
a refusal (a 4xx: the media expired or is unknown) or the last try ends it with "could
not be fetched" and no more tries.
"""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.conversations.actions import add_to_message
from rapport.conversations.inbound import InboundMessage
from rapport.inboxes.adapters.whatsapp import graph
from rapport.inboxes.adapters.whatsapp.inbound import MEDIA
from rapport.inboxes.adapters.whatsapp.models import MediaFetch
from rapport.inboxes.models import Inbox

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
# The waits before each try after the first: 7 tries over about 17 hours, well within the
# days Meta keeps a customer's media, long enough to outlast an outage.
WAITS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 720))
TRIES = len(WAITS) + 1
LEASE = timedelta(minutes=10)  # a claimed row is left alone this long by other workers


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
        if error.permanent:
            note = final_note(kind, error)
        else:
            note = pending_note(kind, error)
            try_later(inbox, message.external_id, kind, part, note)
        return dataclasses.replace(message, text=f"{message.text}\n{note}")
    return dataclasses.replace(message, attachments=[upload])


def pending_note(kind: str, error: graph.GraphError) -> str:
    return f"[The {MEDIA[kind].lower()} could not be fetched yet ({error.words}); trying again]"


def final_note(kind: str, error: graph.GraphError, tries: int = 1) -> str:
    after = f" after {tries} tries" if tries > 1 else ""
    return f"[The {MEDIA[kind].lower()} could not be fetched from WhatsApp{after}: {error.words}]"


def try_later(inbox: Inbox, wamid: str, kind: str, part: dict[str, Any], note: str) -> None:
    """Keep what the retries need; a message processed again keeps its count of tries."""
    MediaFetch.objects.update_or_create(
        inbox=inbox,
        message_id=wamid,
        defaults={
            "media_id": str(part["id"]),
            "kind": kind,
            "part": part,
            "note": note,
            "next_try_at": timezone.now() + WAITS[0],
        },
    )


def retry_due(now: datetime | None = None, limit: int = 50) -> int:
    """Try the files whose wait is over (the minute's job); how many were tried."""
    now = now or timezone.now()
    due = MediaFetch.objects.filter(next_try_at__lte=now).select_related("inbox")
    tried = 0
    for row in due.order_by("next_try_at")[:limit]:
        claimed = MediaFetch.objects.filter(pk=row.pk, next_try_at=row.next_try_at)
        if claimed.update(next_try_at=now + LEASE):  # not another worker's already
            retry(row, now)
            tried += 1
    return tried


def retry(row: MediaFetch, now: datetime) -> None:
    """One more try for ``row``'s file: attached in place of the note, or the final note,
    or the next wait."""
    tries = row.tries + 1
    try:
        upload = fetch(str(row.inbox.setting("access_token", "")), row.media_id, row.kind, row.part)
    except graph.GraphError as error:
        if not error.permanent and tries < TRIES:
            _wait(row, tries, now)
        else:
            _finish(row, final_note(row.kind, error, tries), [], tries, now)
        return
    _finish(row, "", [upload], tries, now)


def _finish(
    row: MediaFetch, text: str, files: list[SimpleUploadedFile], tries: int, now: datetime
) -> None:
    added = add_to_message(
        inbox=row.inbox,
        external_id=row.message_id,
        text=text,
        attachments=files,
        replacing=row.note,
    )
    if added or tries >= TRIES:
        row.delete()
    else:  # the message is not stored yet (its request still waits): next time
        _wait(row, tries, now)


def _wait(row: MediaFetch, tries: int, now: datetime) -> None:
    MediaFetch.objects.filter(pk=row.pk).update(tries=tries, next_try_at=now + WAITS[tries - 1])


def fetch(token: str, media_id: str, kind: str, part: dict[str, Any]) -> SimpleUploadedFile:
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    about = graph.call("GET", graph.url(media_id), token)
    address = about.get("url")
    if not isinstance(address, str) or not address.startswith(("https://", "http://")):
        raise graph.GraphError("the Graph API gave no download link for it")
    size = about.get("file_size")
    if isinstance(size, int) and size > limit:
        raise graph.GraphError(_too_large(size, limit), permanent=True)
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
                    raise graph.GraphError(_too_large(total, limit, more=True), permanent=True)
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
