"""Quarantine: what arrived, was stored, and could not be turned into a message.

Every way in stores its raw input before reading it; what then fails to parse (or was
refused as malformed) stays as a quarantined item — never deleted, downloadable byte for
byte, and retried after a fix. Each channel with a raw inbound store is one *source*
(``config/quarantine.py``: name → dotted path, found through the ``QUARANTINE_SOURCES``
setting since core sits below every app); Settings → Quarantine and ``rapport quarantine
list|show|retry`` read every source through this module, so a new channel appears in
both by adding one line.

An item's key is ``<source>:<id>`` (``email:42``), the same on the page and in the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from rapport.core import audit
from rapport.core.errors import NotFound

SHOWN = 200  # items listed per source, newest first


@dataclass(frozen=True)
class Item:
    """One quarantined input, as the page and the CLI show it."""

    key: str  # "email:42"
    inbox_id: int
    inbox_name: str
    received_at: datetime
    what: str  # "IMAP mail", "Postmark inbound post"...
    reason: str
    size: int
    attempts: int
    filename: str  # for the download: "email-42.eml"
    content_type: str  # of the download


class Source(Protocol):
    """A channel's raw inbound store, seen from the quarantine."""

    name: str

    def items(self, limit: int) -> list[Item]: ...

    def item(self, item_id: int) -> Item | None: ...

    def raw(self, item_id: int) -> bytes: ...

    def retry(self, item_id: int) -> tuple[bool, str]:
        """Process again; (still quarantined?, outcome in words)."""
        ...

    def owner(self, item_id: int) -> Any:
        """The object the audit entry of a retry points to (the inbox)."""
        ...


def source_names() -> list[str]:
    table: dict[str, str] = import_string(settings.QUARANTINE_SOURCES)
    return list(table)


@cache
def source(name: str) -> Source:
    table: dict[str, str] = import_string(settings.QUARANTINE_SOURCES)
    if name not in table:
        raise NotFound(f"no quarantine source {name!r}")
    found: Source = import_string(table[name])()
    return found


def list_items(limit: int = SHOWN) -> list[Item]:
    """Every source's quarantined items, newest first."""
    found = [item for name in source_names() for item in source(name).items(limit)]
    return sorted(found, key=lambda item: item.received_at, reverse=True)


def split_key(key: str) -> tuple[Source, int]:
    name, _, number = key.partition(":")
    if not number.isdigit():
        raise NotFound(f"{key!r} is not a quarantined item's key (like email:42)")
    return source(name), int(number)


def get_item(key: str) -> Item:
    found, item_id = split_key(key)
    item = found.item(item_id)
    if item is None:
        raise NotFound(f"no quarantined item {key}")
    return item


def raw_bytes(key: str) -> bytes:
    get_item(key)  # only what is quarantined is served here
    found, item_id = split_key(key)
    return found.raw(item_id)


def retry_item(*, actor: Any, key: str) -> tuple[bool, str]:
    """Process a quarantined item again (after a fix); audited. (still quarantined?, words)."""
    get_item(key)
    found, item_id = split_key(key)
    still, outcome = found.retry(item_id)
    with transaction.atomic():
        audit.record(
            actor=actor, verb="quarantine.retried", obj=found.owner(item_id), item=key, still=still
        )
    return still, outcome
