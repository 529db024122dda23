"""Is an e-mail inbox's fetching and sending working? Recorded as it happens, shown in red.

The poll records each inbox's outcome and reply deliveries record theirs; only a change
writes (a failure, or the first success after one), so a healthy inbox costs one cheap
UPDATE that matches nothing. "Since" is the first failure of the current run of failures.
"""

from __future__ import annotations

import socket
import ssl

from django.db.models import Q
from django.utils import timezone
from imap_tools.errors import MailboxLoginError

from rapport.inboxes.adapters.email.config import ImapSettings
from rapport.inboxes.adapters.email.models import ConnectionStatus
from rapport.inboxes.selectors import forget_failing_count


def record_fetch(inbox_id: int, error: str = "") -> None:
    _record(inbox_id, "fetch", error)


def record_send(inbox_id: int, error: str = "") -> None:
    _record(inbox_id, "send", error)


def _record(inbox_id: int, what: str, error: str) -> None:
    since = f"{what}_failing_since"
    if not error:
        recovered = ConnectionStatus.objects.filter(
            Q(**{f"{since}__isnull": False}), inbox_id=inbox_id
        ).update(**{f"{what}_error": "", since: None})
        if recovered:
            forget_failing_count()
        return
    status, _ = ConnectionStatus.objects.get_or_create(inbox_id=inbox_id)
    fields: dict[str, object] = {f"{what}_error": error[:2000]}
    if getattr(status, since) is None:
        fields[since] = timezone.now()
    ConnectionStatus.objects.filter(pk=status.pk).update(**fields)
    forget_failing_count()


def statuses(inbox_ids: list[int]) -> dict[int, ConnectionStatus]:
    """The failing ones among ``inbox_ids`` (a healthy inbox has no entry)."""
    failing = Q(fetch_failing_since__isnull=False) | Q(send_failing_since__isnull=False)
    rows = ConnectionStatus.objects.filter(failing, inbox_id__in=inbox_ids)
    return {row.inbox_id: row for row in rows}


def fetch_words(error: BaseException, imap: ImapSettings | None) -> str:
    """Why a poll failed, in words an admin can act on."""
    where = f"The mail server at {imap.host}:{imap.port}" if imap else "The mail server"
    if isinstance(error, MailboxLoginError):
        return f"{where} did not accept the user name or password"
    if isinstance(error, socket.gaierror):
        return f"No mail server named {imap.host if imap else '?'} could be found"
    if isinstance(error, ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(error, ssl.SSLError):
        return f"{where} could not set up a secure connection ({error.reason or error})"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"{where} did not answer in time"
    return f"Fetching failed: {error}"[:2000]
