"""``rapport email_poll [--inbox ID] [--forever]``: fetch mail from IMAP inboxes now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rapport.inboxes.adapters.email import imap
from rapport.inboxes.models import Inbox, InboxKind


class Command(BaseCommand):
    help = "Poll the IMAP mailboxes of e-mail inboxes (once, or for ever with IDLE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inbox", type=int, help="only this inbox id")
        parser.add_argument("--forever", action="store_true", help="keep polling (IDLE)")

    def handle(self, *args: Any, **options: Any) -> None:
        inboxes = Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True)
        if options["inbox"]:
            inboxes = inboxes.filter(pk=options["inbox"])
        for inbox in inboxes:
            if options["forever"]:
                imap.run_forever(inbox)
            result = imap.poll(inbox)
            self.stdout.write(
                f"{inbox.name}: {result.fetched} fetched, {result.processed} processed, "
                f"{result.unprocessable} unprocessable"
                + (f"; problems: {'; '.join(result.errors)}" if result.errors else "")
            )
