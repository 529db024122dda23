"""``rapport email_poll [--inbox ID] [--forever]``: fetch mail from IMAP inboxes now."""

from __future__ import annotations

import threading
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
        if options["forever"]:
            watch_all(list(inboxes))
            return
        for inbox in inboxes:
            result = imap.poll(inbox)
            self.stdout.write(
                f"{inbox.name}: {result.fetched} fetched, {result.processed} processed, "
                f"{result.unprocessable} unprocessable"
                + (f"; problems: {'; '.join(result.errors)}" if result.errors else "")
            )


def watch_all(inboxes: list[Inbox]) -> None:
    """Watch every inbox at once: one thread per mailbox, each waiting with IDLE."""
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=imap.run_forever,
            args=(inbox,),
            kwargs={"stop": stop},
            name=f"imap-inbox-{inbox.pk}",
            daemon=True,
        )
        for inbox in inboxes
    ]
    for thread in threads:
        thread.start()
    try:
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=1)
    except KeyboardInterrupt:
        stop.set()
