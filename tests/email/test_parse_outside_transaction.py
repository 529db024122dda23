"""A mail is parsed before its write transaction begins, on every way in (issue 20).

On SQLite the write transaction holds the one write lock: a hostile mail parsed inside it
made everyone else wait (3 of 8 parallel API posts answered 500 "database is locked").
Here: no parse ever runs inside a transaction, whichever path brought the mail, and 50
concurrent API posts made while a hostile mail is parsed are all answered and stored once.
"""

from __future__ import annotations

import json
import smtplib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from rapport.accounts.tokens import create_token
from rapport.conversations.models import Message
from rapport.core import quarantine
from rapport.inboxes.adapters.email import imap, ingest, listener, pool
from rapport.inboxes.adapters.email.models import RawEmail, RawState
from tests.email.conftest import SUPPORT, mail
from tests.email.hostile import BASIC, basic_auth, configure, inbound_url
from tests.outbox.conftest import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.email.urls")]


class Watch:
    """Every parse of a mail in this process: was a transaction open, when did it run."""

    def __init__(self) -> None:
        self.in_transaction: list[bool] = []
        self.started = threading.Event()
        self.window = (0.0, 0.0)

    def parse(self, real: Any) -> Any:
        def parse_email(data: bytes, **limits: Any) -> Any:
            self.in_transaction.append(connection.in_atomic_block)
            began = time.monotonic()
            self.started.set()
            try:
                return real(data, **limits)
            finally:
                self.window = (began, time.monotonic())

        return parse_email


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Watch:
    found = Watch()
    monkeypatch.setattr(ingest, "parse_email", found.parse(ingest.parse_email))
    return found


def postmark(text: str = "", html: str = "", n: int = 1) -> bytes:
    payload = {
        "FromFull": {"Email": f"mo{n}@mail.example", "Name": "Mo"},
        "ToFull": [{"Email": SUPPORT, "Name": ""}],
        "Subject": f"Order {n}",
        "MessageID": f"pm-{n}",
        "TextBody": text,
        "HtmlBody": html,
    }
    return json.dumps(payload).encode()


def test_a_webhooks_mail_is_parsed_outside_any_transaction(email_inbox, watch):
    configure(email_inbox, webhook_basic_auth=BASIC)
    response = Client().post(
        inbound_url(email_inbox, "postmark"),
        postmark("The lamp is broken."),
        content_type="application/json",
        **basic_auth(),
    )
    assert response.status_code == 200
    assert RawEmail.objects.get().state == RawState.PROCESSED
    assert watch.in_transaction == [False]


def test_the_smtp_listeners_mail_is_parsed_outside_any_transaction(email_inbox, watch):
    port = free_port()
    controller = listener.start_smtp_listener("127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
            assert client.sendmail("carol@mail.example", [SUPPORT], mail()) == {}
    finally:
        controller.stop()
    assert RawEmail.objects.get().state == RawState.PROCESSED
    assert watch.in_transaction == [False]


def test_retries_from_the_quarantine_and_the_command_parse_outside_any_transaction(
    email_inbox, watch, monkeypatch
):
    failing = {"left": 2}
    real = ingest.prepare

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("parser bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "prepare", flaky)
    first = ingest.ingest(email_inbox, mail(message_id="<q1@mail.example>"), source="smtp")
    second = ingest.ingest(email_inbox, mail(message_id="<q2@mail.example>"), source="smtp")
    assert {first.state, second.state} == {RawState.UNPROCESSABLE}
    assert first.error == "RuntimeError: parser bug"  # the note of the one that failed

    still, _ = quarantine.retry_item(actor=None, key=f"email:{first.pk}")
    call_command("email_retry")

    assert still is False
    assert set(RawEmail.objects.values_list("state", flat=True)) == {RawState.PROCESSED}
    assert watch.in_transaction == [False, False]  # the two retries (the first two failed)


def test_an_imap_poll_parses_every_batch_before_writing_it(imap_inbox, dovecot, monkeypatch):
    dovecot.append(*[mail(message_id=f"<b{i}@mail.example>") for i in range(imap.BATCH + 30)])
    drained_in_transaction: list[bool] = []
    real = pool.map_ordered

    def observed(function: Any, items: Any) -> Iterator[Any]:
        for result in real(function, items):  # what the parse worker returns, one by one
            drained_in_transaction.append(connection.in_atomic_block)
            yield result

    monkeypatch.setattr(pool, "map_ordered", observed)
    result = imap.poll(imap_inbox)

    assert (result.fetched, result.processed) == (imap.BATCH + 30, imap.BATCH + 30)
    assert pool._executor is not None  # the batch of 100 went through the parse worker
    assert drained_in_transaction == [False] * (imap.BATCH + 30)
    assert Message.objects.filter(inbox=imap_inbox).count() == imap.BATCH + 30


def hostile_html(nodes: int = 100_000) -> str:
    """Distinct unclosed formatting elements: HTML re-opens each after every paragraph —
    the slowest input of bench/sanitiser.py per node (about a second to read here)."""
    return "".join(f'<b class="c{i}"><p>x' for i in range(nodes // 2))


class FiftyPosts:
    """50 API-channel posts, each in its own thread with its own database connection,
    ready before ``go`` is set and then sent at once: (status, when answered) each."""

    def __init__(self, api_inbox: Any, token: str, go: threading.Event) -> None:
        self.answers: list[tuple[int, float]] = []
        self.ready = threading.Barrier(51)  # the 50 senders and the test
        self.threads = [
            threading.Thread(target=self.send, args=(api_inbox.pk, token, go, n)) for n in range(50)
        ]
        for thread in self.threads:
            thread.start()
        self.ready.wait()  # every sender is connected and waiting for ``go``

    def send(self, inbox_id: int, token: str, go: threading.Event, n: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        body = {
            "identity": {"kind": "email", "address": f"kim{n % 10}@mail.example"},
            "text": f"message {n}",
            "external_id": f"load-{n}",
        }
        try:
            connection.ensure_connection()
            self.ready.wait()
            go.wait(30)
            response = client.post(
                f"/api/v1/inboxes/{inbox_id}/messages",
                json.dumps(body),
                content_type="application/json",
            )
            self.answers.append((response.status_code, time.monotonic()))
        finally:
            connection.close()  # each thread has its own database connection

    def join(self) -> list[tuple[int, float]]:
        for thread in self.threads:
            thread.join()
        return self.answers


# SQLite's one write lock is what a parse inside the transaction held against everyone;
# PostgreSQL's row locks never stalled these posts, and 50 more connections there only
# test the server's connection limit.
@pytest.mark.skipif(
    "sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="the SQLite write lock"
)
def test_fifty_api_posts_while_a_hostile_mail_is_parsed_all_stored_once(
    email_inbox, api_inbox, agent, watch
):
    configure(email_inbox, webhook_basic_auth=BASIC)
    _, token = create_token(user=agent, name="load")
    webhook: dict[str, int] = {}

    def hostile_webhook() -> None:
        try:
            response = Client().post(
                inbound_url(email_inbox, "postmark"),
                postmark(html=hostile_html(), n=666),
                content_type="application/json",
                **basic_auth(),
            )
            webhook["status"] = response.status_code
        finally:
            connection.close()

    posts = FiftyPosts(api_inbox, token, go=watch.started)  # sent once the parse begins
    sender = threading.Thread(target=hostile_webhook)
    sender.start()
    answers = posts.join()
    sender.join()

    began, ended = watch.window
    # Hostile enough to have stalled everyone before (1.1-1.4 s on the shared dev machine;
    # kept low so a faster machine still runs the check).
    assert ended - began >= 0.2
    assert sorted(status for status, _ in answers) == [201] * 50, answers  # 0 errors
    stored = list(Message.objects.filter(inbox=api_inbox).values_list("external_id", flat=True))
    assert sorted(stored) == sorted(f"load-{n}" for n in range(50))  # 0 lost, each once
    # Posts were answered while the mail was still being parsed: its parse held no lock.
    assert any(answered < ended for _, answered in answers), (ended, sorted(answers))
    assert webhook["status"] == 200
    hostile = RawEmail.objects.get(inbox=email_inbox)
    assert hostile.state == RawState.PROCESSED
    assert Message.objects.filter(inbox=email_inbox).count() == 1
    assert watch.in_transaction == [False]
