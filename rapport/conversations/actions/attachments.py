"""Storing a message's uploaded files (part of receiving and replying)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from rapport.conversations.attachments import check_uploads, clean_filename, sniff_content_type
from rapport.conversations.models import Attachment, Message


def store_attachments(message: Message, files: Sequence[UploadedFile]) -> list[Attachment]:
    """Store ``files`` for ``message``; all or none of them.

    A failure (a full disk) deletes the files this call wrote before it and raises: the
    caller's transaction rolls back the rows, and no file is left that nothing refers to.
    Each file itself is written under a temporary name and renamed (``core.storage``).
    """
    check_uploads(files)
    stored: list[Attachment] = []
    try:
        for upload in files:
            stored.append(_store_one(message, upload))
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


def _store_one(message: Message, upload: UploadedFile) -> Attachment:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    attachment = Attachment(
        message=message,
        filename=clean_filename(upload.name or ""),
        content_type=sniff_content_type(head),
        size=upload.size or 0,
    )
    attachment.file.save("upload", upload, save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment
