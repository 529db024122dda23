"""Checking uploaded files: size-limited, content type sniffed from the bytes.

Storing them is an action (``actions/attachments.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from rapport.conversations.models import Attachment, Message
from rapport.core.errors import TooLarge, ValidationFailed

MAX_FILES = 10


def sniff_content_type(head: bytes) -> str:
    """Trust the bytes, never the name or the declared type."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[:200] or "file"


def check_uploads(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"at most {MAX_FILES} attachments per message")
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    for upload in files:
        if (upload.size or 0) > limit:
            name = clean_filename(upload.name or "")
            raise TooLarge(f"{name} is larger than the {limit // 1024 // 1024} MB limit")


def remember_attachments(message: Message, attachments: list[Attachment]) -> None:
    """Let ``message.attachments.all()`` answer from memory, as after ``prefetch_related``.

    A message just stored knows its attachments (usually none); the realtime push and the
    widget's acknowledgement serialise it right away, and each would otherwise ask the
    database again.
    """
    # Filtered by the message's id, not through the message itself as its related manager
    # would: that queryset holds the message, which holds the queryset, and every message
    # and all it refers to waited for the garbage collector instead of being freed at
    # once (~100 objects a message; collections paused the chat server, docs/benchmarks.md).
    rows = Attachment.objects.all()
    rows._defer_next_filter = True  # type: ignore[attr-defined]  # as the manager defers it
    rows = rows.filter(message_id=message.pk)  # deferred: nothing compiled unless cloned
    rows._result_cache = list(attachments)  # what prefetch_related stores, exactly so
    rows._prefetch_done = True  # type: ignore[attr-defined]
    message._prefetched_objects_cache = {"attachments": rows}  # type: ignore[attr-defined]
