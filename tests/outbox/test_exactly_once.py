"""A reply reaches the customer at most once, and a lost answer is said, not resent.

Real SMTP servers (aiosmtpd) that stall at a chosen step; the outbox runs in-process.
The kill -9 cases with a real worker process are in tests/faults.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.models import DeliveryStatus
from rapport.outbox import actions as outbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery, DeliveryState
from rapport.outbox.senders import register_sender, unregister_sender
from tests.faults.workers import wait_for
from tests.outbox.test_email_replies import make_due, submit_form

pytestmark = pytest.mark.django_db(transaction=True)


def later() -> timezone.datetime:
    return timezone.now() + outbox.CLAIM_FOR + timedelta(seconds=1)


def test_a_server_answering_after_the_timeout_keeps_one_copy_and_says_unknown(
    webform_inbox, agent, stalling_smtp
):
    conversation = submit_form(webform_inbox)
    stalling_smtp.mailbox.stall_after_data = 4  # the client gives up after 2 s
    reply = actions.send_reply(conversation=conversation, author=agent, text="New lamp today.")

    delivery = reply.deliveries.get()
    reply.refresh_from_db()
    assert delivery.state == DeliveryState.UNKNOWN
    assert delivery.idempotency_key.startswith("<rapport.")  # stored before the data left
    assert reply.delivery_status == DeliveryStatus.UNKNOWN
    assert reply.delivery_error == (
        f"The mail server at 127.0.0.1:{stalling_smtp.port} stopped answering after the whole "
        "message was handed over, so it may have been sent. Check with the recipient before "
        "sending it again."
    )
    wait_for(lambda: len(stalling_smtp.mailbox.messages) == 1, 10, "the late acceptance")

    make_due(delivery)  # nothing the outbox does on its own sends it again
    outbox.sweep(now=later())
    outbox.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.UNKNOWN
    assert len(stalling_smtp.mailbox.messages) == 1


def test_a_person_may_send_an_unknown_reply_again(webform_inbox, agent, stalling_smtp):
    conversation = submit_form(webform_inbox)
    stalling_smtp.mailbox.stall_after_data = 3
    reply = actions.send_reply(conversation=conversation, author=agent, text="New lamp today.")
    wait_for(lambda: len(stalling_smtp.mailbox.messages) == 1, 10, "the late acceptance")
    stalling_smtp.mailbox.stall_after_data = 0

    outbox.retry(reply.deliveries.get())

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(stalling_smtp.mailbox.messages) == 2  # they chose to; same Message-ID on both
    first, second = stalling_smtp.mailbox.messages
    assert first["Message-ID"] == second["Message-ID"]


def test_a_server_silent_before_the_data_is_retried_not_unknown(
    webform_inbox, agent, stalling_smtp
):
    conversation = submit_form(webform_inbox)
    stalling_smtp.mailbox.stall_at_rcpt = 4  # silent before anything was handed over
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")

    delivery = reply.deliveries.get()
    reply.refresh_from_db()
    assert delivery.state == DeliveryState.QUEUED
    assert reply.delivery_error.startswith(
        f"The mail server at 127.0.0.1:{stalling_smtp.port} did not answer within 2 s — retrying"
    )
    stalling_smtp.mailbox.stall_at_rcpt = 0
    make_due(delivery)
    outbox.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(stalling_smtp.mailbox.messages) == 1


def test_an_expired_claim_after_the_hand_over_becomes_unknown_not_a_second_send(
    webform_inbox, agent, stalling_smtp
):
    """What the sweeper finds after a worker died between the data and the answer."""
    conversation = submit_form(webform_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(  # as a killed worker leaves it
        state=DeliveryState.SENDING,
        claimed_until=timezone.now(),
        handover_started_at=timezone.now(),
    )

    outbox.sweep(now=later())

    delivery.refresh_from_db()
    reply.refresh_from_db()
    assert delivery.state == DeliveryState.UNKNOWN
    assert reply.delivery_status == DeliveryStatus.UNKNOWN
    assert "may have been sent" in reply.delivery_error
    assert len(stalling_smtp.mailbox.messages) == 1  # the first, real send only


def test_an_expired_claim_before_the_hand_over_is_simply_sent(webform_inbox, agent, smtp_server):
    conversation = submit_form(webform_inbox)
    smtp_server.stop()
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, claimed_until=timezone.now(), handover_started_at=None
    )
    smtp_server.start()

    assert outbox.sweep(now=later()) == 1

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_a_repeat_safe_channel_is_sent_again_after_an_expired_hand_over(db):
    sent: list[int] = []

    def send(delivery: Delivery) -> str:
        sent.append(delivery.pk)
        return "ok"

    register_sender("test-repeat-safe", send, repeat_safe=True)
    try:
        delivery = Delivery.objects.create(
            kind="test-repeat-safe",
            state=DeliveryState.SENDING,
            next_attempt_at=timezone.now(),
            claimed_until=timezone.now(),
            handover_started_at=timezone.now(),
            attempts=1,
        )
        outbox.sweep(now=later())
    finally:
        unregister_sender("test-repeat-safe")
    delivery.refresh_from_db()
    assert (delivery.state, sent) == (DeliveryState.SENT, [delivery.pk])


def test_an_attempt_that_lost_its_claim_neither_hands_over_nor_overwrites(db):
    """Two workers on one row: the slow one's late outcome does not count."""
    handed_over = threading.Event()
    proceed = threading.Event()

    def slow_send(delivery: Delivery) -> str:
        handed_over.set()
        proceed.wait(10)
        outbox.handing_over(delivery)  # the claim is gone by now: refused
        return "never"

    register_sender("test-slow", slow_send)
    try:
        delivery = Delivery.objects.create(kind="test-slow", next_attempt_at=timezone.now())
        first = outbox.claim(delivery.pk, timezone.now())
        assert first is not None
        second = outbox.claim(delivery.pk, later())  # the first claim expired meanwhile
        assert second is not None
        assert second.attempts == 2
        with pytest.raises(DeliveryError, match="lost its claim"):
            outbox.handing_over(first)
        outbox.record_failure(first, DeliveryError("late news from the first attempt"))
        outbox.handing_over(second)
    finally:
        unregister_sender("test-slow")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (
        DeliveryState.SENDING,
        2,
        "",
    )
    assert not handed_over.is_set()
    proceed.set()


class ServiceThatTimesOut:
    """An e-mail service's backend whose HTTP answer never came (as anymail raises it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list[object]) -> int:
        import requests
        from anymail.exceptions import AnymailRequestsAPIError

        try:
            raise requests.exceptions.ReadTimeout("read timed out")
        except requests.exceptions.ReadTimeout as timeout:
            raise AnymailRequestsAPIError("timed out") from timeout


class ServiceThatIsDown(ServiceThatTimesOut):
    def send_messages(self, messages: list[object]) -> int:
        import requests
        from anymail.exceptions import AnymailRequestsAPIError

        try:
            raise requests.exceptions.ConnectionError("connection refused")
        except requests.exceptions.ConnectionError as down:
            raise AnymailRequestsAPIError("connection refused") from down


def test_an_email_service_that_never_answered_is_unknown_not_resent(webform_inbox, agent, settings):
    conversation = submit_form(webform_inbox)
    settings.EMAIL_BACKEND = f"{__name__}.ServiceThatTimesOut"
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    assert reply.deliveries.get().state == DeliveryState.UNKNOWN

    settings.EMAIL_BACKEND = f"{__name__}.ServiceThatIsDown"
    other = actions.send_reply(conversation=conversation, author=agent, text="Hello again")
    other.refresh_from_db()
    assert other.deliveries.get().state == DeliveryState.QUEUED  # nothing left: retried
    assert other.delivery_error.startswith("The e-mail service did not take the message")
