"""``rapport quarantine list|show|retry``: what arrived and could not become a message.

``list`` prints one line per item (key, received, inbox, what, reason); ``show KEY``
prints its details and, with ``--raw``, writes its bytes exactly as received to stdout
(or ``--out FILE``); ``retry KEY`` (or ``retry --all``) processes it again after a fix.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core import quarantine
from rapport.core.errors import RapportError


class Command(BaseCommand):
    help = "List, show (and download) or retry quarantined inbound items."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every quarantined item, newest first")
        show = actions.add_parser("show", help="one item's details, or its raw bytes")
        show.add_argument("key", help="the item's key, e.g. email:42")
        show.add_argument("--raw", action="store_true", help="write the raw bytes instead")
        show.add_argument("--out", help="write the raw bytes to this file")
        retry = actions.add_parser("retry", help="process an item again")
        retry.add_argument("key", nargs="?", help="the item's key, e.g. email:42")
        retry.add_argument("--all", action="store_true", help="retry every quarantined item")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RapportError as error:
            raise CommandError(error.message) from None

    def _list(self, options: dict[str, Any]) -> None:
        items = quarantine.list_items()
        for item in items:
            when = item.received_at.strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{item.key}\t{when}\t{item.inbox_name}\t{item.what}\t{item.reason[:120]}"
            )
        self.stdout.write(f"{len(items)} quarantined")

    def _show(self, options: dict[str, Any]) -> None:
        item = quarantine.get_item(options["key"])
        if options["raw"] or options["out"]:
            data = quarantine.raw_bytes(item.key)
            if options["out"]:
                with open(options["out"], "wb") as handle:
                    handle.write(data)
                self.stdout.write(f"{len(data)} bytes written to {options['out']}")
            else:
                sys.stdout.buffer.write(data)
            return
        for label, value in (
            ("Key", item.key),
            ("Inbox", f"{item.inbox_name} ({item.inbox_id})"),
            ("Received", item.received_at.isoformat()),
            ("What", item.what),
            ("Size", f"{item.size} bytes"),
            ("Attempts", item.attempts),
            ("Reason", item.reason),
        ):
            self.stdout.write(f"{label}: {value}")

    def _retry(self, options: dict[str, Any]) -> None:
        if options["all"]:
            keys = [item.key for item in quarantine.list_items(limit=100_000)]
        elif options["key"]:
            keys = [options["key"]]
        else:
            raise CommandError("name an item's key, or --all")
        for key in keys:
            still, outcome = quarantine.retry_item(actor=None, key=key)
            self.stdout.write(f"{key}: {'still quarantined: ' if still else ''}{outcome}")
