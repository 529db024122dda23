"""Storing a message's uploaded files (part of receiving and replying)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from rapport.conversations.attachments import check_uploads, clean_filename, sniff_content_type
from rapport.conversations.models import Attachment, Message


def store_attachments(message: Message, files: Sequence[UploadedFile]) -> list[Attachment]:
    check_uploads(files)
    stored = []
    for upload in files:
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
        attachment.save()
        stored.append(attachment)
    return stored
