"""An inbound SMTP server (aiosmtpd) for businesses that forward mail or point MX here.

Every accepted message goes through the same ingest pipeline. The SMTP answer tells the
sending server the truth: 250 as soon as the raw bytes are committed (the mail is then
processed by a job, or by the minute's sweep of pending mail, so a mail the parser chokes
on never holds the sender up); 451 (try later) when the database is unavailable, so the
sender keeps the mail and retries — nothing lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections

from rapport.inboxes.adapters.email.config import EmailInboxConfig, load_config
from rapport.inboxes.adapters.email.ingest import store_raw
from rapport.inboxes.adapters.email.models import RawSource
from rapport.inboxes.adapters.email.tasks import enqueue_processing
from rapport.inboxes.adapters.email.tokens import read_reply_address
from rapport.inboxes.models import Inbox, InboxKind

logger = logging.getLogger(__name__)
MAX_BYTES = 40 * 1024 * 1024


def inbox_for(address: str) -> Inbox | None:
    """The active e-mail inbox that receives ``address`` (plus-addresses included)."""
    address = address.strip().lower()
    token = read_reply_address(address)
    local, _, domain = address.partition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    for inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True):
        if token is not None and token.inbox_id == inbox.pk:
            return inbox
        config: EmailInboxConfig = load_config(inbox)
        if address in config.addresses or base in config.addresses:
            return inbox
    return None


class InboundHandler:
    """aiosmtpd handler: accept mail for our inboxes' addresses, ingest it."""

    def __init__(self, find_inbox: Callable[[str], Inbox | None] = inbox_for) -> None:
        self.find_inbox = find_inbox

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        inbox = await sync_to_async(self._find)(address)
        if inbox is None:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        if len(data) > MAX_BYTES:
            return "552 5.3.4 message too big"
        try:
            await sync_to_async(self._ingest)(list(envelope.rcpt_tos), data)
        except DatabaseError:
            logger.warning("inbound SMTP: database unavailable, asked sender to retry")
            return "451 4.3.0 temporary failure, please try again later"
        return "250 2.0.0 accepted"

    def _find(self, address: str) -> Inbox | None:
        close_old_connections()
        return self.find_inbox(address)

    def _ingest(self, recipients: list[str], data: bytes) -> None:
        close_old_connections()
        # One message to two addresses of one inbox is stored once (same bytes, same inbox).
        inboxes = {inbox.pk: inbox for r in recipients if (inbox := self.find_inbox(r))}
        for inbox in inboxes.values():
            raw, created = store_raw(
                inbox, data, source=RawSource.SMTP, source_ref=",".join(recipients)[:255]
            )
            if created:
                enqueue_processing(raw.pk)


def start_smtp_listener(host: str, port: int) -> Controller:
    """Start the listener in a background thread; ``.stop()`` on the result ends it."""
    controller = Controller(InboundHandler(), hostname=host, port=port, data_size_limit=MAX_BYTES)
    controller.start()
    return controller


def run_smtp_listener(host: str = "0.0.0.0", port: int = 2525) -> None:  # noqa: S104 - an MX listens on all interfaces
    """Run the inbound SMTP listener until interrupted (for ``rapport smtp``)."""
    controller = start_smtp_listener(host, port)
    logger.info("inbound SMTP listening on %s:%s", host, port)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
