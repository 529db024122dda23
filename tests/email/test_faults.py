"""Faults: the IMAP server dies mid-poll, the database is locked, SMTP goes down and back,
a poison message sits in the mailbox. Nothing lost, nothing twice."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.models import DeliveryStatus, Message
from rapport.inboxes.adapters.email import imap, pool
from rapport.inboxes.adapters.email import ingest as ingest_module
from rapport.inboxes.adapters.email.ingest import process_pending
from rapport.inboxes.adapters.email.models import MailboxCursor, RawEmail, RawState
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery
from tests.email.conftest import mail

pytestmark = pytest.mark.django_db(transaction=True)


def messages(n: int, start: int = 0) -> list[bytes]:
    return [
        mail(message_id=f"<f{i}@mail.example>", subject=f"m{i}") for i in range(start, start + n)
    ]


def test_imap_server_stopped_mid_poll_loses_and_duplicates_nothing(imap_inbox, dovecot):
    dovecot.append(*messages(250))
    real = imap._fetch_bodies
    calls = {"n": 0}

    def dying(client, uids):
        calls["n"] += 1
        if calls["n"] == 2:
            dovecot.stop()  # the server goes away after the first batch was stored
            client.shutdown()  # and with it this session's connection
        return real(client, uids)

    with mock.patch.object(imap, "_fetch_bodies", dying), pytest.raises(Exception):  # noqa: B017, PT011 - imaplib raises several kinds
        imap.poll(imap_inbox)
    stored_before = RawEmail.objects.filter(inbox=imap_inbox).count()
    assert stored_before == imap.BATCH
    assert MailboxCursor.objects.get(inbox=imap_inbox).last_uid == imap.BATCH
    dovecot.start()
    imap.poll(imap_inbox)
    assert RawEmail.objects.filter(inbox=imap_inbox).count() == 250
    assert Message.objects.filter(inbox=imap_inbox).count() == 250
    assert imap.poll(imap_inbox).fetched == 0


def test_poller_keeps_going_past_a_poison_message(imap_inbox, dovecot):
    dovecot.append(
        *messages(2), b"From: x@mail.example\r\nSubject: poison\r\n\r\nboom", *messages(2, 2)
    )
    real = ingest_module.parse_email

    def poisoned(raw: bytes, **limits):
        if b"poison" in raw:
            raise RuntimeError("parser bug")
        return real(raw, **limits)

    with mock.patch.object(ingest_module, "parse_email", poisoned):
        result = imap.poll(imap_inbox)
    assert (result.fetched, result.processed, result.unprocessable) == (5, 4, 1)
    poison = RawEmail.objects.get(state=RawState.UNPROCESSABLE)
    assert "RuntimeError: parser bug" in poison.error
    assert b"poison" in bytes(poison.data)
    # After the fix, the poison message is retried and becomes a conversation.
    ingest_module.retry(poison)
    poison.refresh_from_db()
    assert poison.state == RawState.PROCESSED


def test_database_locked_leaves_mail_pending_then_processes_it(imap_inbox, dovecot):
    dovecot.append(*messages(3))

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    with mock.patch.object(ingest_module, "deliver_parsed", locked):
        result = imap.poll(imap_inbox)
    assert result.errors
    assert "database unavailable" in result.errors[0]
    assert RawEmail.objects.filter(state=RawState.PENDING).count() == 3  # stored, not lost
    assert imap.poll(imap_inbox).fetched == 0  # not fetched again
    assert process_pending() == 3
    assert Message.objects.filter(inbox=imap_inbox).count() == 3
    assert RawEmail.objects.filter(state=RawState.PROCESSED).count() == 3


def test_database_locked_while_storing_fetches_again_next_time(imap_inbox, dovecot):
    dovecot.append(*messages(3))
    locked = OperationalError("database is locked")
    with (
        mock.patch.object(imap, "store_batch", side_effect=locked),
        pytest.raises(OperationalError),
    ):
        imap.poll(imap_inbox)
    assert RawEmail.objects.count() == 0
    assert imap.poll(imap_inbox).fetched == 3
    assert Message.objects.filter(inbox=imap_inbox).count() == 3


def test_smtp_down_then_back_sends_once(imap_inbox, dovecot, email_agent, smtp_server):
    dovecot.append(*messages(1))
    imap.poll(imap_inbox)
    conversation = Message.objects.get(inbox=imap_inbox).conversation
    smtp_server.stop()
    reply = actions.send_reply(conversation=conversation, author=email_agent, text="Hello")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.QUEUED
    smtp_server.start()
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    outbox.sweep()
    outbox.sweep()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_a_large_batch_is_parsed_in_the_worker_and_a_bad_mail_still_stands_alone(
    imap_inbox, dovecot
):
    no_sender = b"Subject: who sent this\r\nMessage-ID: <x@mail.example>\r\n\r\nhello"
    dovecot.append(*messages(20), no_sender, *messages(20, 20))
    result = imap.poll(imap_inbox)
    assert pool._executor is not None  # the batch went through the parse worker
    assert (result.fetched, result.processed, result.unprocessable) == (41, 40, 1)
    bad = RawEmail.objects.get(state=RawState.UNPROCESSABLE)
    assert "no valid sender" in bad.error
    assert Message.objects.filter(inbox=imap_inbox).count() == 40
    assert set(RawEmail.objects.values_list("attempts", flat=True)) == {1}


def test_a_parser_error_in_the_worker_makes_the_mail_unprocessable(imap_inbox, dovecot):
    dovecot.append(*messages(30))
    real = pool.map_ordered

    def one_fails(function, items):
        for index, prepared in enumerate(real(function, items)):
            yield ingest_module.Failed("RuntimeError: parser bug") if index == 3 else prepared

    with mock.patch.object(pool, "map_ordered", one_fails):
        result = imap.poll(imap_inbox)
    assert (result.processed, result.unprocessable) == (29, 1)
    assert RawEmail.objects.get(state=RawState.UNPROCESSABLE).error == "RuntimeError: parser bug"
    assert Message.objects.filter(inbox=imap_inbox).count() == 29
