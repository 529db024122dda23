"""Testing an inbox's IMAP and SMTP settings, saying plainly what is wrong."""

from __future__ import annotations

import smtplib
import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass

from imap_tools.errors import MailboxFolderSelectError, MailboxLoginError

from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email.config import ImapSettings, SmtpSettings, load_config
from rapport.inboxes.adapters.email.imap import connect
from rapport.inboxes.models import Inbox


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
    if config.smtp is not None:
        results.append(CheckResult("SMTP", *check_smtp(config.smtp)))
    else:
        results.append(CheckResult("SMTP", True, "replies use the site's e-mail settings"))
    return results


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


def check_smtp(smtp: SmtpSettings) -> tuple[bool, str]:
    client_class = smtplib.SMTP_SSL if smtp.security == "tls" else smtplib.SMTP
    try:
        with client_class(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, smtp.secret())
            client.noop()
    except smtplib.SMTPAuthenticationError:
        return False, "the SMTP server refused the user name or password"
    except smtplib.SMTPNotSupportedError as error:
        return False, f"the SMTP server does not support this: {error} (check the security setting)"
    except Exception as error:  # network, TLS or protocol trouble, named below
        known = _network_problem(error, smtp.host, smtp.port, smtp.security)
        return False, known or f"the SMTP server answered unexpectedly: {error}"
    return True, f"connected to {smtp.host}:{smtp.port}" + (
        " and logged in" if smtp.username else ""
    )
