"""``rapport email_check INBOX_ID``: test an inbox's IMAP and SMTP settings."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.inboxes.adapters.email.connection import check_inbox
from rapport.inboxes.models import Inbox, InboxKind


class Command(BaseCommand):
    help = "Test the IMAP and SMTP connection of an e-mail inbox and say what is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inbox", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        inbox = Inbox.objects.filter(pk=options["inbox"], kind=InboxKind.EMAIL).first()
        if inbox is None:
            raise CommandError(f"no e-mail inbox {options['inbox']}")
        results = check_inbox(inbox)
        for result in results:
            self.stdout.write(
                f"{result.what}: {'ok' if result.ok else 'PROBLEM'} — {result.message}"
            )
        if not all(result.ok for result in results):
            raise CommandError("the connection test found problems")
