"""Hostile mail through the SMTP listener: what the sending server is told, what is
stored, how long it took. 250 comes as soon as the bytes are stored."""

from __future__ import annotations

import smtplib
import threading
import time

import pytest
from django.db import connection

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email import listener
from rapport.inboxes.adapters.email.models import RawEmail, RawSource, RawState
from tests.email.conftest import SUPPORT, mail
from tests.email.hostile import EIGHT_BIT_INNER, configure, nested, odd_id_mails, own_mails, stored
from tests.outbox.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)

NO_SENDER = b"To: support@shop.example\r\nSubject: anonymous\r\n\r\nWho wrote this?\r\n"


@pytest.fixture
def port(email_inbox):
    number = free_port()
    controller = listener.start_smtp_listener("127.0.0.1", number)
    yield number
    controller.stop()


def send(port: int, data: bytes) -> tuple[dict, float]:
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        refused = client.sendmail("carol@mail.example", [SUPPORT], data)
    return refused, time.monotonic() - started


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (nested(300), RawState.PROCESSED),
        (nested(2000), RawState.PROCESSED),
        (EIGHT_BIT_INNER, RawState.PROCESSED),
        (NO_SENDER, RawState.UNPROCESSABLE),
    ],
    ids=["300-deep", "2000-deep", "8-bit-inner", "no-sender"],
)
def test_hostile_mail_is_accepted_stored_and_shown_or_quarantined(port, data, state):
    refused, seconds = send(port, data)
    assert (refused, seconds < 5) == ({}, True)  # 250 for the one recipient
    raw = stored(data)
    assert (raw.source, raw.state) == (RawSource.SMTP, state), raw.error
    assert Message.objects.count() == (state == RawState.PROCESSED)


def test_different_mails_with_odd_ids_stay_apart(port):
    for data in odd_id_mails():
        refused, seconds = send(port, data)
        assert (refused, seconds < 5) == ({}, True)
    assert Message.objects.count() == len(odd_id_mails())


def test_the_same_mail_five_times_in_parallel_is_one_message(port):
    answers: list[dict] = []

    def deliver() -> None:
        try:
            answers.append(send(port, mail(message_id="<once@mail.example>"))[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [{}] * 5
    assert RawEmail.objects.count() == Message.objects.count() == 1


def test_our_own_mail_is_never_a_conversation(port, webform_inbox):
    configure(webform_inbox, from_email="form@shop.example")
    for data in own_mails("form@shop.example").values():
        refused, seconds = send(port, data)
        assert (refused, seconds < 5) == ({}, True)
    assert not Conversation.objects.exists()
    reasons = list(RawEmail.objects.values_list("error", flat=True))
    assert all(reason.startswith("our own") for reason in reasons), reasons
