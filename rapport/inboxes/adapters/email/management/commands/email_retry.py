"""``rapport email_retry [--inbox ID]``: process unprocessable or pending mail again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rapport.inboxes.adapters.email.ingest import retry
from rapport.inboxes.adapters.email.models import RawEmail, RawState


class Command(BaseCommand):
    help = "Retry raw e-mail that could not be processed (after a fix or an outage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inbox", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = RawEmail.objects.filter(state__in=[RawState.PENDING, RawState.UNPROCESSABLE])
        if options["inbox"]:
            rows = rows.filter(inbox_id=options["inbox"])
        done = 0
        for raw in rows.select_related("inbox").order_by("id").iterator():
            if raw.size:  # rows without bytes (never fetched) cannot be processed
                retry(raw)
                done += raw.state == RawState.PROCESSED
        self.stdout.write(f"{done} processed")
