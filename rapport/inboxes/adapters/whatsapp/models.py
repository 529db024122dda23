"""What the WhatsApp channel keeps beside the conversation: files still to fetch."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from rapport.inboxes.models import Inbox


class MediaFetch(models.Model):
    """A customer's file the Graph API did not give when the message was stored (Meta down,
    a 5xx, a timeout, a rate limit). The message is stored with ``note`` in its text; the
    minute's job (``tasks.py``) tries again with growing waits (``media.WAITS``) until the
    file comes (it is attached, the note goes), Meta refuses it for good (a 4xx: the media
    expired) or the last try fails (the note becomes "could not be fetched"). Then the
    row is deleted."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=255)  # WhatsApp's wamid of the message
    media_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)  # image, video, audio, document, sticker
    part = models.JSONField(default=dict)  # the message's media object (mime type, filename)
    note = models.TextField()  # the line the message shows until the file comes
    tries = models.PositiveSmallIntegerField(default=1)
    next_try_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "message_id"], name="whatsapp_fetch_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id} (try {self.tries})"
