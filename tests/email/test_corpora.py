"""Every message of the shared corpora is ingested without an exception, its raw kept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from rapport.inboxes.adapters.email.parse import parse_email
from tests.email.conftest import CORPORA, shared_data

pytestmark = pytest.mark.django_db


def corpus_files(folder: str) -> list[Path]:
    root = shared_data(folder)
    skip = {"README.md", "LICENSE"}
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in skip)


@pytest.mark.parametrize("folder", CORPORA)
def test_every_corpus_message_parses_in_bounded_time(folder):
    for path in corpus_files(folder):
        started = time.perf_counter()
        parsed = parse_email(path.read_bytes())
        assert time.perf_counter() - started < 10, path  # generous: CI machines are busy
        assert parsed.message_id


def as_mail(path: Path) -> bytes:
    """The fixture as mail: the reply-parser fixtures are bare bodies, given headers here."""
    data = path.read_bytes()
    if path.suffix == ".eml" or "cpython" in str(path) or "flanker" in str(path):
        return data
    kind = "html" if path.suffix == ".html" else "plain"
    head = (
        f"From: Fixture <fixture@mail.example>\r\nSubject: {path.name}\r\n"
        f"Message-ID: <{path.name}@fixtures.example>\r\n"
        f"Content-Type: text/{kind}; charset=utf-8\r\n\r\n"
    )
    return head.encode() + data


@pytest.mark.parametrize("folder", CORPORA)
def test_every_corpus_message_is_ingested_and_its_raw_kept(folder, email_inbox):
    files = corpus_files(folder)
    for path in files:
        data = as_mail(path)
        raw = ingest(email_inbox, data, source="imap", source_ref=str(path.name))
        raw.refresh_from_db()
        assert bytes(raw.data) == data
        assert raw.state != RawState.PENDING, path
        if raw.state == RawState.UNPROCESSABLE:
            # Only for a reason a person can read, never a crash.
            assert "Error" not in raw.error.split(":")[0], (path, raw.error)
    assert RawEmail.objects.filter(inbox=email_inbox).count() == len({as_mail(p) for p in files})
