"""Jobs of the WhatsApp channel: the customers' files Meta did not give at first."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rapport.inboxes.adapters.whatsapp import media


@db_periodic_task(crontab(minute="*"))
def retry_media_task() -> None:
    """Every minute: try again the files whose wait is over (``media.retry_due``)."""
    media.retry_due()
