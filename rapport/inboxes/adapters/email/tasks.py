"""Jobs: poll every IMAP inbox each minute and retry mail left pending by an outage."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from rapport.inboxes.adapters.email import imap
from rapport.inboxes.adapters.email.ingest import process_pending
from rapport.inboxes.models import Inbox, InboxKind

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("email-poll")  # a slow poll must not overlap the next one
def poll_email_inboxes_task() -> None:
    for inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True):
        if not inbox.setting("imap"):
            continue
        try:
            imap.poll(inbox)
        except Exception as error:  # one broken mailbox must not stop the others
            logger.warning("IMAP poll of inbox %s failed: %s", inbox.pk, error)
    process_pending()
