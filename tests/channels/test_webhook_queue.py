"""The stored webhook requests as the workers' queue (inboxes/webhook_queue.py): claimed
in batches under a lease, processed in one transaction, one by one when a batch fails,
retried later when a status waits for its reply, and nothing lost when no worker runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.conversations.actions import receiving, receiving_many
from rapport.conversations.models import Conversation, Message
from rapport.inboxes import webhook_queue, webhooks
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.inboxes.webhook_queue import claim, drain, running_drainers
from tests.channels import test_conformance

pytestmark = pytest.mark.django_db(transaction=True)

SMS = test_conformance.TestTwilioSms()
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def inbox(admin, agent, twilio_api) -> Inbox:
    return SMS.make_inbox(admin, agent)


@pytest.fixture
def with_workers(monkeypatch) -> None:
    """As in a server: the endpoint stores and answers, workers process."""
    monkeypatch.setattr(HUEY, "immediate", False)


def accepted(client: Any, inbox: Inbox, sender: str, text: str, message_id: str) -> None:
    response = SMS.post(client, inbox, SMS.message(inbox, sender, text, message_id))
    assert response.status_code == 200


def wait_until(condition: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_with_no_worker_running_a_request_waits_and_nothing_is_lost(inbox, client, with_workers):
    accepted(client, inbox, "+14155550123", "Still here", "SMwait")

    assert RawWebhook.objects.get().state == WebhookState.PENDING
    assert not Message.objects.exists()
    assert drain() == 1  # a worker starts
    assert Message.objects.get().text == "Still here"
    assert RawWebhook.objects.get().state == WebhookState.PROCESSED


def test_a_batch_is_processed_together_in_fewer_statements(inbox, client, with_workers):
    accepted(client, inbox, "+14155550123", "Where is my order?", "SM0")
    drain()  # the customer and their conversation exist
    for n in range(1, 11):
        accepted(client, inbox, "+14155550123", "Where is my order?", f"SM{n}")

    with CaptureQueriesContext(connection) as captured:
        assert drain() == 10
    done = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(CONTROL)]

    # For the whole batch, not per message: claim, read the rows, the senders' open
    # conversations, insert the messages and their search entries, note the messages on
    # the conversations, close the rows; then the look that finds none. SQLite reads the
    # due rows before the claim; PostgreSQL finds their inbox and holds it meanwhile
    # (three statements). One by one it was six per message.
    assert len(done) <= 11, done
    savepoints = [q for q in captured.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert not savepoints
    assert Message.objects.count() == 11
    assert Conversation.objects.count() == 1
    assert set(RawWebhook.objects.values_list("state", "attempts")) == {(WebhookState.PROCESSED, 1)}


def test_a_repeat_inside_a_batch_sends_it_one_by_one_and_stores_each_message_once(
    inbox, client, with_workers
):
    accepted(client, inbox, "+14155550123", "First", "SMfirst")
    drain()
    # The same message stored again under another key (as after a provider changed how
    # it keys its retries), between two new ones.
    first = RawWebhook.objects.get()
    accepted(client, inbox, "+14155550123", "Second", "SMsecond")
    again = RawWebhook.objects.create(
        inbox=inbox,
        key="SMfirst-again",
        body=bytes(first.body),
        content_type=first.content_type,
        headers=first.headers,
        size=first.size,
    )
    accepted(client, inbox, "+14155550123", "Third", "SMthird")

    assert drain() == 3

    texts = sorted(Message.objects.values_list("text", flat=True))
    assert texts == ["First", "Second", "Third"]
    again.refresh_from_db()
    assert again.state == WebhookState.PROCESSED
    assert not RawWebhook.objects.exclude(state=WebhookState.PROCESSED).exists()


def test_a_failing_request_does_not_hold_up_the_others_and_is_quarantined_in_the_end(
    inbox, client, with_workers, monkeypatch
):
    def failing_on_boom(**kwargs: Any) -> Any:
        if kwargs["message"].text == "boom":
            raise RuntimeError("a bug")
        return receiving.receive_message(**kwargs)

    def batch_failing_on_boom(batch: Any) -> None:
        if any(message.text == "boom" for _, message in batch):
            raise RuntimeError("a bug")
        receiving_many.receive_many(batch)

    monkeypatch.setattr(webhooks, "receive_message", failing_on_boom)
    monkeypatch.setattr(webhooks, "receive_many", batch_failing_on_boom)
    for n, text in enumerate(["one", "boom", "three"]):
        accepted(client, inbox, "+14155550123", text, f"SM{n}")

    drain()

    assert sorted(Message.objects.values_list("text", flat=True)) == ["one", "three"]
    failed = RawWebhook.objects.get(key="SM1")
    assert (failed.state, failed.attempts) == (WebhookState.PENDING, 1)
    assert claim(10) == []  # leased: due again when the lease ends, not at once
    for _ in range(webhooks.FAILURE_ATTEMPTS - 1):
        RawWebhook.objects.filter(pk=failed.pk).update(next_try_at=timezone.now())
        drain()
    failed.refresh_from_db()
    assert failed.state == WebhookState.UNPROCESSABLE  # on Settings → Quarantine
    assert "processing failed 10 times" in failed.error
    assert "a bug" in failed.error


def test_a_claim_is_a_lease_that_lapses(inbox, client, with_workers):
    accepted(client, inbox, "+14155550123", "Hello", "SMlease")

    [claimed] = claim(10)
    assert claim(10) == []  # a second worker does not get it
    # The first worker was killed mid-batch: once the lease ends the row is due again.
    RawWebhook.objects.filter(pk=claimed).update(next_try_at=timezone.now() - timedelta(seconds=1))
    assert claim(10) == [claimed]


def test_a_status_before_its_reply_is_known_is_tried_again_later(inbox, client, with_workers):
    SMS.post(client, inbox, SMS.status(inbox, "SMunknown", "delivered"))

    assert drain() == 1
    raw = RawWebhook.objects.get()
    assert (raw.state, raw.attempts) == (WebhookState.PENDING, 1)
    assert raw.next_try_at is not None
    assert raw.next_try_at > timezone.now() + timedelta(seconds=20)
    assert claim(10) == []
    for _ in range(webhooks.STATUS_ATTEMPTS - 1):
        RawWebhook.objects.filter(pk=raw.pk).update(next_try_at=timezone.now())
        drain()
    raw.refresh_from_db()
    assert (raw.state, raw.attempts) == (WebhookState.PROCESSED, webhooks.STATUS_ATTEMPTS)


def test_claimers_side_by_side_never_share_a_row(inbox):
    rows = [RawWebhook(inbox=inbox, key=f"k{n}", body=b"x", size=1) for n in range(200)]
    RawWebhook.objects.bulk_create(rows)
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def claimer() -> None:
        try:
            while ids := claim(7):
                with lock:
                    claimed.append(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    every = [raw_id for ids in claimed for raw_id in ids]
    assert len(every) == len(set(every)) == 200


@pytest.fixture
def drainers(with_workers, monkeypatch) -> Iterator[webhook_queue.Drainers]:
    with running_drainers(threads=2) as running:
        yield running


def test_running_drainers_process_what_the_endpoint_stores(inbox, client, drainers):
    for n in range(20):
        accepted(client, inbox, f"+1415555{n:04d}", f"Message {n}", f"SMrun{n}")

    assert wait_until(lambda: Message.objects.count() == 20)
    assert wait_until(lambda: not RawWebhook.objects.exclude(state=WebhookState.PROCESSED).exists())


def test_workers_elsewhere_are_woken_by_the_database(inbox, with_workers, monkeypatch):
    """A row stored by another process: no in-process wake-up. PostgreSQL's NOTIFY (the
    trigger of migration 0005) wakes the drainers at once; SQLite's look every 0.5 s."""
    monkeypatch.setitem(
        webhook_queue.POLL_SECONDS, "postgresql", 60
    )  # only a NOTIFY can wake them in time
    body, content_type = SMS.message(inbox, "+14155550123", "From afar", "SMafar")
    with running_drainers(threads=1):
        time.sleep(0.5)  # listening, and past the first look
        webhook_queue._due.clear()
        started = time.monotonic()
        RawWebhook.objects.create(
            inbox=inbox, key="SMafar", body=body, content_type=content_type, size=len(body)
        )
        assert wait_until(lambda: Message.objects.filter(text="From afar").exists(), 10)
        assert time.monotonic() - started < 5


def test_batches_side_by_side_never_deadlock_and_keep_the_counts(inbox, client, with_workers):
    """Four drainers on one inbox's new and continuing conversations at once: on
    PostgreSQL their batches deadlocked (count rows and conversations locked in opposite
    orders) until they locked in one order (webhooks._apply_batch)."""
    from rapport.conversations import counts
    from rapport.conversations.models import Status

    for n in range(300):
        accepted(client, inbox, f"+1415555{n % 40:04d}", f"Message {n}", f"SMside{n}")

    with running_drainers(threads=4):
        assert wait_until(
            lambda: not RawWebhook.objects.exclude(state=WebhookState.PROCESSED).exists(), 60
        )

    assert set(RawWebhook.objects.values_list("attempts", flat=True)) == {1}  # none failed
    assert Message.objects.count() == 300
    assert Conversation.objects.count() == 40
    assert counts.total(status=Status.OPEN, inbox_ids=[inbox.pk]) == 40


def test_a_batch_receives_each_message_as_one_by_one_would(inbox, client, with_workers):
    """Open conversations continue in the batch's few statements; a snoozed one reopens
    and a new customer gets one conversation, through the one-by-one path."""
    from rapport.conversations import counts
    from rapport.conversations.models import Status

    accepted(client, inbox, "+14155550001", "Open one", "SMa0")
    accepted(client, inbox, "+14155550002", "Snoozed one", "SMb0")
    drain()
    snoozed = Conversation.objects.get(messages__text="Snoozed one")
    Conversation.objects.filter(pk=snoozed.pk).update(
        status=Status.SNOOZED, snoozed_until=timezone.now() + timedelta(days=1)
    )
    counts.recount()
    for key, sender, text in [
        ("SMa1", "+14155550001", "Open two"),
        ("SMc1", "+14155550003", "New one"),
        ("SMb1", "+14155550002", "Wake up"),
        ("SMa2", "+14155550001", "Open three"),
        ("SMc2", "+14155550003", "New two"),
    ]:
        accepted(client, inbox, sender, text, key)

    assert drain() == 5

    by_sender = {c.customer.phone: c for c in Conversation.objects.select_related("customer")}
    assert len(by_sender) == 3
    opened = by_sender["+14155550001"]
    assert list(opened.messages.order_by("id").values_list("text", flat=True)) == [
        "Open one",
        "Open two",
        "Open three",
    ]
    assert opened.preview == "Open three"
    assert opened.waiting_since is not None
    woken = by_sender["+14155550002"]
    assert (woken.status, woken.preview) == (Status.OPEN, "Wake up")
    new = by_sender["+14155550003"]
    assert list(new.messages.order_by("id").values_list("text", flat=True)) == [
        "New one",
        "New two",
    ]
    assert counts.total(status=Status.OPEN, inbox_ids=[inbox.pk]) == 3
    assert counts.total(status=Status.SNOOZED, inbox_ids=[inbox.pk]) == 0


def test_a_sender_with_a_file_in_the_batch_keeps_the_order_of_their_messages(
    inbox, client, with_workers
):
    """A message with a file goes one by one; the sender's others in the batch go with it,
    so the conversation shows them in the order they came."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from rapport.conversations.actions import receive_many
    from rapport.conversations.inbound import InboundMessage, Sender

    accepted(client, inbox, "+14155550123", "First", "SMo0")
    drain()
    sender = Sender("phone", "+14155550123")
    photo = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    batch = [
        (inbox, InboundMessage(sender=sender, text="Second", external_id="o1")),
        (inbox, InboundMessage(sender=sender, text="Third", external_id="o2", attachments=[photo])),
        (inbox, InboundMessage(sender=sender, text="Fourth", external_id="o3")),
    ]

    with transaction.atomic():
        receive_many(batch)

    texts = list(Message.objects.order_by("id").values_list("text", flat=True))
    assert texts == ["First", "Second", "Third", "Fourth"]
    assert Conversation.objects.count() == 1
