"""Fixtures for the e-mail channel: an e-mail inbox, raw mail builders, the shared corpora."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapport.inboxes.models import Inbox
from tests.availability import could_not_run
from tests.outbox.conftest import smtp_server, stalling_smtp  # noqa: F401 - SMTP fixtures, reused

SHARED_DATA = Path(__file__).resolve().parents[2] / "../shared/data"
CORPORA = (
    "cpython-email-testdata",
    "flanker-email-fixtures",
    "talon-email-fixtures",
    "email-reply-parser-fixtures",
)
SUPPORT = "support@shop.example"


def shared_data(folder: str) -> Path:
    """A folder of ../shared/data; a failure under CI, a plain skip elsewhere."""
    path = (SHARED_DATA / folder).resolve()
    if path.is_dir():
        return path
    could_not_run(f"shared test data {path} is missing; these tests could not run")


def mail(
    *,
    sender: str = "Carol Customer <carol@mail.example>",
    to: str = SUPPORT,
    subject: str = "Broken lamp",
    body: str = "The lamp arrived broken.",
    message_id: str = "<m1@mail.example>",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A small, well-formed plain-text mail as raw bytes."""
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Mon, 2 Jun 2025 10:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.fixture
def dovecot() -> Iterator[Any]:
    """A private Dovecot IMAP server; missing Dovecot fails under CI, else skips plainly."""
    from tests.email.servers import Dovecot, dovecot_available

    if not dovecot_available():
        could_not_run(
            "Dovecot is not installed (apt-get install -y dovecot-imapd); IMAP tests could not run"
        )
    server = Dovecot()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def imap_inbox(email_inbox: Inbox, dovecot: Any) -> Inbox:
    email_inbox.config = {**email_inbox.config, "imap": dovecot.imap_settings()}
    email_inbox.save(update_fields=["config"])
    return email_inbox
