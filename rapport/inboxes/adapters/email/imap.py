"""Polling IMAP mailboxes: every new message stored, nothing lost, nothing twice.

Per folder a ``MailboxCursor`` keeps UIDVALIDITY and the last UID whose raw bytes are
committed. A poll fetches every UID after it — so after an outage the whole backlog comes,
not the last N — and advances the cursor in the same transaction that stores the bytes.
Only after that commit are messages moved or deleted on the server (``after_fetch``);
a move that failed is retried on the next poll. A message that cannot be fetched or
processed is recorded as unprocessable and the poll goes on past it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from rapport.inboxes.adapters.email.config import ImapSettings, load_config
from rapport.inboxes.adapters.email.ingest import (
    Preparing,
    start_preparing,
    store_batch,
    write_batch,
)
from rapport.inboxes.adapters.email.models import (
    MailboxCursor,
    RawEmail,
    RawSource,
    RawState,
)
from rapport.inboxes.models import Inbox

logger = logging.getLogger(__name__)

BATCH = 100
_FETCHED = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


@dataclass
class PollResult:
    fetched: int = 0
    processed: int = 0
    unprocessable: int = 0
    errors: list[str] = field(default_factory=list)


def connect(imap: ImapSettings) -> BaseMailBox:
    """Log in to the server as configured (TLS, STARTTLS or plain)."""
    box: BaseMailBox
    if imap.security == "tls":
        box = MailBox(
            imap.host, imap.port, timeout=imap.timeout, ssl_context=ssl.create_default_context()
        )
    elif imap.security == "starttls":
        box = MailBoxStartTls(
            imap.host, imap.port, timeout=imap.timeout, ssl_context=ssl.create_default_context()
        )
    else:
        box = MailBoxUnencrypted(imap.host, imap.port, timeout=imap.timeout)
    box.login(imap.username, imap.secret())
    return box


def poll(inbox: Inbox) -> PollResult:
    """One poll of the inbox's IMAP folder."""
    imap = load_config(inbox).imap
    if imap is None:
        return PollResult(errors=["this inbox has no IMAP settings"])
    box = connect(imap)
    try:
        return poll_folder(inbox, box, imap)
    finally:
        _logout(box)


def _logout(box: BaseMailBox) -> None:
    try:
        box.logout()
    except Exception:  # the connection is already gone; nothing to close cleanly
        logger.debug("IMAP logout failed", exc_info=True)


def poll_folder(inbox: Inbox, box: BaseMailBox, imap: ImapSettings) -> PollResult:
    client = box.client
    box.folder.set(imap.folder, readonly=imap.after_fetch == "keep")
    uidvalidity = _uidvalidity(box, imap.folder)
    cursor = _cursor(inbox, imap.folder, uidvalidity)
    result = PollResult()
    if imap.after_fetch != "keep":
        _finish_on_server(
            box, imap, _uids(client, f"1:{cursor.last_uid}") if cursor.last_uid else []
        )
    new = [uid for uid in _uids(client, f"{cursor.last_uid + 1}:*") if uid > cursor.last_uid]
    previous: tuple[list[int], Preparing] | None = None
    try:
        for chunk in _chunks(new, BATCH):
            stored = _fetch_and_store(inbox, client, imap, cursor, chunk)
            result.fetched += len(chunk)
            # This batch is parsed (in the worker) while the previous one is written.
            preparing = start_preparing(stored)
            if previous is not None:
                done, previous = previous, None
                _write(box, imap, *done, result)
            previous = (chunk, preparing)
    finally:  # also when fetching the next batch failed: what is stored gets written
        if previous is not None:
            _write(box, imap, *previous, result)
    MailboxCursor.objects.filter(pk=cursor.pk).update(last_polled_at=timezone.now(), last_error="")
    return result


def _uidvalidity(box: BaseMailBox, folder: str) -> int:
    status = box.folder.status(folder, ["UIDVALIDITY"])
    return int(status.get("UIDVALIDITY", 0))


def _cursor(inbox: Inbox, folder: str, uidvalidity: int) -> MailboxCursor:
    cursor, _ = MailboxCursor.objects.get_or_create(inbox=inbox, folder=folder)
    if cursor.uidvalidity != uidvalidity:
        # The server renumbered the folder: fetch it all again; stored raws deduplicate it.
        cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
        cursor.save(update_fields=["uidvalidity", "last_uid"])
    return cursor


def _uids(client: object, criteria: str) -> list[int]:
    typ, data = client.uid("SEARCH", "UID", criteria)  # type: ignore[attr-defined]
    if typ != "OK" or not data or not data[0]:
        return []
    return sorted(int(uid) for uid in data[0].split())


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A mail up to twice the inbox's cap is fetched and shown without its largest parts
# (``oversize``), so the customer's words reach the inbox; a larger one stays on the server.
OVERSIZE_FETCH_FACTOR = 2


def _fetch_and_store(
    inbox: Inbox, client: object, imap: ImapSettings, cursor: MailboxCursor, uids: list[int]
) -> list[RawEmail]:
    """Fetch ``uids`` and commit their bytes together with the advanced cursor."""
    limit = load_config(inbox).max_message_bytes * OVERSIZE_FETCH_FACTOR
    sizes = _sizes(client, uids)
    wanted = [uid for uid in uids if sizes.get(uid, 0) <= limit]
    bodies = _fetch_bodies(client, wanted)
    with transaction.atomic():
        fetched = []
        for uid in uids:
            ref = f"{imap.folder}:{cursor.uidvalidity}:{uid}"
            if uid in bodies:
                fetched.append((bodies[uid], ref))
            elif uid in sizes or _still_there(client, uid):
                reason = (
                    f"message of {sizes[uid]} bytes is over the {limit} byte limit; left "
                    "on the server"
                    if uid in sizes and sizes[uid] > limit
                    else "the server did not return this message"
                )
                _record_unfetchable(inbox, ref, reason)
        stored = store_batch(inbox, fetched, source=RawSource.IMAP)
        cursor.last_uid = max(uids)
        cursor.save(update_fields=["last_uid"])
    return stored


def _sizes(client: object, uids: list[int]) -> dict[int, int]:
    _, data = client.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)")  # type: ignore[attr-defined]
    sizes: dict[int, int] = {}
    for item in data or []:
        line = item[0] if isinstance(item, tuple) else item
        match = _SIZE.search(line or b"")
        if match:
            uid, size = (
                (match.group(1), match.group(2))
                if match.group(1)
                else (match.group(4), match.group(3))
            )
            sizes[int(uid)] = int(size)
    return sizes


class FetchFailed(Exception):
    """The server returned none of a batch: retry the whole poll later, advance nothing."""


def _fetch_bodies(client: object, uids: list[int]) -> dict[int, bytes]:
    if not uids:
        return {}
    typ, data = client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")  # type: ignore[attr-defined]
    bodies = _read_fetch(data) if typ == "OK" else {}
    if not bodies:
        raise FetchFailed(f"the IMAP server returned none of {len(uids)} messages ({typ})")
    for uid in uids:
        if uid not in bodies:  # one bad message must not hide the others: try it alone
            typ, data = client.uid("FETCH", str(uid), "(UID BODY.PEEK[])")  # type: ignore[attr-defined]
            if typ == "OK":
                bodies.update(_read_fetch(data))
    return bodies


def _still_there(client: object, uid: int) -> bool:
    """Was ``uid`` expunged meanwhile (by another client)? Then there is nothing to keep."""
    return uid in _uids(client, f"{uid}:{uid}")


def _read_fetch(data: list[object]) -> dict[int, bytes]:
    bodies: dict[int, bytes] = {}
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            match = _FETCHED.search(item[0])
            if match and isinstance(item[1], bytes):
                bodies[int(match.group(1))] = item[1]
    return bodies


def _record_unfetchable(inbox: Inbox, ref: str, reason: str) -> None:
    digest = hashlib.sha256(f"unfetchable:{inbox.pk}:{ref}".encode()).hexdigest()
    RawEmail.objects.get_or_create(
        inbox=inbox,
        sha256=digest,
        defaults={
            "data": b"",
            "size": 0,
            "source": RawSource.IMAP,
            "source_ref": ref,
            "state": RawState.UNPROCESSABLE,
            "error": reason,
        },
    )


def _write(
    box: BaseMailBox, imap: ImapSettings, uids: list[int], preparing: Preparing, result: PollResult
) -> None:
    """Write a fetched batch, then move or delete it on the server as configured."""
    _process(preparing, result)
    if imap.after_fetch != "keep":
        _finish_on_server(box, imap, uids)


def _process(preparing: Preparing, result: PollResult) -> None:
    """Write a prepared batch: one transaction, a savepoint per mail (``write_batch``)."""
    stored = preparing.raws
    if not stored:
        return
    try:
        write_batch(preparing)
    except DatabaseError as error:
        # Stored but not processed (the batch rolled back): ``process_pending`` picks it up.
        result.errors.append(f"database unavailable: {error}")
        return
    for raw in stored:
        if raw.state == RawState.UNPROCESSABLE:
            result.unprocessable += 1
        else:
            result.processed += 1


def _finish_on_server(box: BaseMailBox, imap: ImapSettings, uids: list[int]) -> None:
    """Move or delete messages whose bytes are committed (never before)."""
    if not uids:
        return
    text = ",".join(map(str, uids))
    try:
        if imap.after_fetch == "move":
            _ensure_folder(box, imap.move_to)
            box.move(text, imap.move_to)
        elif imap.after_fetch == "delete":
            box.delete(text)
    except Exception:  # stored already; the next poll tries again
        logger.warning("could not %s messages on the IMAP server", imap.after_fetch, exc_info=True)


def _ensure_folder(box: BaseMailBox, folder: str) -> None:
    if not box.folder.exists(folder):
        box.folder.create(folder)


def run_forever(inbox: Inbox, *, interval: float = 60, stop: object = None) -> None:
    """Poll, then wait for new mail with IDLE where offered (else sleep), for ever.

    Connection trouble is logged on the cursor and retried with growing pauses.
    """
    pause = 5.0
    while not getattr(stop, "is_set", lambda: False)():
        try:
            _poll_and_idle(inbox, interval)
            pause = 5.0
        except Exception as error:  # the server or network failed: wait, then reconnect
            logger.warning("IMAP poll of inbox %s failed: %s", inbox.pk, error)
            MailboxCursor.objects.filter(inbox=inbox).update(last_error=str(error)[:2000])
            time.sleep(pause)
            pause = min(pause * 2, 300.0)


def _poll_and_idle(inbox: Inbox, interval: float) -> None:
    imap = load_config(inbox).imap
    if imap is None:
        time.sleep(interval)
        return
    box = connect(imap)
    try:
        poll_folder(inbox, box, imap)
        if imap.use_idle and "IDLE" in box.client.capabilities:
            box.idle.wait(timeout=min(interval * 5, 29 * 60))  # RFC 2177: renew within 29 min
        else:
            time.sleep(interval)
    finally:
        _logout(box)
