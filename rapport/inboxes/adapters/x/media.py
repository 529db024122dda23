"""A reply's file sent as an X direct message: uploaded first with X API v2's chunked
media upload, then named by its media id in the message (``api.send_dm``).

The steps, each as the inbox's account (``api.Account``, so a renewed token serves them
all): ``POST /2/media/upload/initialize`` (JSON: ``media_type``, ``total_bytes``,
``media_category`` — dm_image, dm_gif or dm_video), ``POST /2/media/upload/{id}/append``
per chunk (multipart ``media`` and ``segment_index``), ``POST /2/media/upload/{id}/finalize``;
when its answer holds ``processing_info`` (videos, GIFs) ``GET /2/media/upload`` with
``command=STATUS`` until the state is succeeded, waiting ``check_after_secs`` between
asks, for at most ``PROCESSING_WAIT``. X takes pictures, GIFs and videos in direct
messages, one per message; anything else is refused before any upload, in words.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from rapport.conversations.models import Attachment
from rapport.inboxes.adapters.x.api import Account, as_json, delivery_error
from rapport.outbox.errors import DeliveryError

CHUNK = 4 * 1024 * 1024  # X takes chunks of up to 5 MB
PROCESSING_WAIT = 60.0  # seconds a send waits for X to process a video before retrying later
MB = 1024 * 1024
# Per media category: X's size limit for direct messages.
LIMITS = {"dm_image": 5 * MB, "dm_gif": 15 * MB, "dm_video": 512 * MB}
IMAGES = {"image/jpeg", "image/png", "image/webp"}


def category(content_type: str) -> str:
    """X's media category for a file type, or a permanent ``DeliveryError`` saying why not."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "image/gif":
        return "dm_gif"
    if kind in IMAGES:
        return "dm_image"
    if kind == "video/mp4":
        return "dm_video"
    raise DeliveryError(
        f"X direct messages take JPEG, PNG, WebP and GIF pictures and MP4 videos, not"
        f" {kind or 'this file'}",
        permanent=True,
    )


def check(attachment: Attachment) -> str:
    """The file's media category, once it is a kind and size X takes."""
    media_category = category(attachment.content_type)
    limit = LIMITS[media_category]
    if attachment.size > limit:
        raise DeliveryError(
            f"{attachment.filename} is {attachment.size / MB:.1f} MB; X takes up to"
            f" {limit // MB} MB for this kind of file",
            permanent=True,
        )
    return media_category


def upload(account: Account, attachment: Attachment) -> str:
    """Upload the file (``check``ed first); X's media id for it."""
    media_category = check(attachment)
    with attachment.file.open("rb") as handle:
        data = handle.read()
    started = _data(
        account.post(
            "/2/media/upload/initialize",
            json={
                "media_type": attachment.content_type.split(";")[0].strip().lower(),
                "total_bytes": len(data),
                "media_category": media_category,
            },
        )
    )
    media_id = str(started.get("id") or "")
    if not media_id.isdigit():
        raise DeliveryError("X's answer to the upload holds no media id")
    for index, start in enumerate(range(0, len(data), CHUNK)):
        part = {"media": ("chunk", data[start : start + CHUNK], "application/octet-stream")}
        answer = account.post(
            f"/2/media/upload/{media_id}/append",
            data={"segment_index": str(index)},
            files=part,
        )
        if answer.status_code not in (200, 201, 204):
            raise delivery_error(answer)
    done = _data(account.post(f"/2/media/upload/{media_id}/finalize"))
    _wait_for_processing(account, media_id, done.get("processing_info"))
    return media_id


def _wait_for_processing(account: Account, media_id: str, info: Any) -> None:
    """Until X has processed the file (videos, GIFs); a temporary ``DeliveryError`` when it
    takes longer than ``PROCESSING_WAIT`` (the outbox tries the reply again later), a
    permanent one when X says processing failed."""
    deadline = time.monotonic() + PROCESSING_WAIT
    while isinstance(info, dict) and info.get("state") not in (None, "succeeded"):
        if info.get("state") == "failed":
            error = info.get("error")
            said = error.get("message") if isinstance(error, dict) else ""
            raise DeliveryError(f"X could not process the file: {said or 'failed'}", permanent=True)
        wait = info.get("check_after_secs")
        wait = min(float(wait), 10.0) if isinstance(wait, int | float) and wait > 0 else 1.0
        if time.monotonic() + wait > deadline:
            raise DeliveryError("X is still processing the file; trying again later")
        time.sleep(wait)
        status = account.get("/2/media/upload", {"command": "STATUS", "media_id": media_id})
        info = _data(status).get("processing_info")


def _data(answer: requests.Response) -> dict[str, Any]:
    """The ``data`` object of a successful answer, or X's refusal as a ``DeliveryError``."""
    if answer.status_code not in (200, 201):
        raise delivery_error(answer)
    data = as_json(answer).get("data")
    return data if isinstance(data, dict) else {}
