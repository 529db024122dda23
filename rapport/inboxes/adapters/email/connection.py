"""Testing an inbox's IMAP and SMTP settings, saying plainly what is wrong."""

from __future__ import annotations

import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass, replace

from django.conf import settings
from imap_tools.errors import MailboxFolderSelectError, MailboxLoginError

from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email.adapter import smtp_server
from rapport.inboxes.adapters.email.config import EmailInboxConfig, ImapSettings, load_config
from rapport.inboxes.adapters.email.imap import connect
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.smtp import Session, SmtpServer

CHECK_TIMEOUT = 10  # seconds: an admin is waiting for the answer


@dataclass(frozen=True)
class CheckResult:
    what: str  # "IMAP" or "SMTP"
    ok: bool
    message: str


def check_inbox(inbox: Inbox) -> list[CheckResult]:
    try:
        config = load_config(inbox)
    except ValidationFailed as error:
        return [CheckResult("settings", False, error.message)]
    results = []
    if config.imap is not None:
        results.append(CheckResult("IMAP", *check_imap(config.imap)))
    results.append(CheckResult("SMTP", *check_sending(config)))
    return results


def check_sending(config: EmailInboxConfig) -> tuple[bool, str]:
    """Test what replies will really go through: the inbox's server, else the site's."""
    server = smtp_server(config)
    if server is None:
        backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
        return True, f"replies use the site's e-mail service ({backend}); nothing to connect to"
    sender = config.from_address or settings.DEFAULT_FROM_EMAIL
    whose = "this inbox's" if config.smtp is not None else "the site's"
    return check_smtp_server(
        replace(server, timeout=min(server.timeout, CHECK_TIMEOUT)), sender, whose
    )


def _network_problem(error: BaseException, host: str, port: int, security: str) -> str | None:
    if isinstance(error, socket.gaierror):
        return f"the host name {host!r} cannot be resolved"
    if isinstance(error, ConnectionRefusedError):
        return f"nothing accepts connections on {host}:{port}"
    if isinstance(error, (ssl.SSLError, ssl.CertificateError)):
        return (
            f"TLS failed on {host}:{port} ({error}); check the security setting "
            f"(now {security!r}: 'tls' for 993/465, 'starttls' for 143/587) and the certificate"
        )
    if isinstance(error, (TimeoutError, socket.timeout)):
        return f"no answer from {host}:{port} in time"
    if isinstance(error, OSError):
        return f"cannot connect to {host}:{port}: {error}"
    return None


def check_imap(imap: ImapSettings) -> tuple[bool, str]:
    try:
        box = connect(imap)
    except MailboxLoginError:
        return False, "the IMAP server refused the user name or password"
    except Exception as error:  # network, TLS or protocol trouble, named below
        known = _network_problem(error, imap.host, imap.port, imap.security)
        return False, known or f"the IMAP server answered unexpectedly: {error}"
    try:
        box.folder.set(imap.folder, readonly=True)
    except MailboxFolderSelectError:
        names = ", ".join(f.name for f in box.folder.list()[:20])
        return False, f"the folder {imap.folder!r} does not exist; folders are: {names}"
    finally:
        with suppress(Exception):  # the connection may already be closed
            box.logout()
    return True, f"logged in to {imap.host} and opened {imap.folder!r}"


def check_smtp_server(server: SmtpServer, sender: str, whose: str) -> tuple[bool, str]:
    """Connect, EHLO, STARTTLS and log in as configured, then MAIL FROM and RSET: all a
    reply needs short of a recipient. A server that does not answer fails."""
    session = Session(server)
    try:
        session.check(sender)
    except DeliveryError as error:
        return False, str(error)
    finally:
        session.close()
    login = " logged in," if server.username else ""
    return True, (
        f"{whose} mail server {server.name} answered,{login} and accepts mail from {sender}"
    )
