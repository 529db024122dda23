"""kill -9 of a real worker (``rapport worker``) in the middle of sending a reply.

Counted against what the SMTP server kept: 0 lost, 0 duplicated — and where the worker
died after the server kept the mail but before it heard so, the reply says "may have been
sent" instead of being sent a second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from rapport.conversations import actions
from rapport.conversations.models import DeliveryStatus
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryState
from tests.faults.workers import wait_for
from tests.outbox.test_email_replies import submit_form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job_queue() -> Iterator[None]:
    """Jobs go to the queue the worker process reads, instead of running in the test."""
    HUEY.immediate = False
    HUEY.flush()
    yield
    HUEY.flush()
    HUEY.immediate = True


def let_the_claim_run_out(delivery: Delivery) -> None:
    """Five minutes pass (the claim's length) without waiting for them."""
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )


def test_killed_after_the_server_kept_the_reply(
    webform_inbox, agent, stalling_smtp, job_queue, worker_env, start_worker
):
    mailbox = stalling_smtp.mailbox
    mailbox.stall_after_data = 60  # keep it, then say nothing for a minute
    start_worker(worker_env)
    conversation = submit_form(webform_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="New lamp today.")
    wait_for(mailbox.kept.is_set, 60, "the server to keep the reply")
    start_worker.workers[-1].kill()  # before it hears "250"

    delivery = reply.deliveries.get()
    assert delivery.state == DeliveryState.SENDING
    assert delivery.handover_started_at is not None
    let_the_claim_run_out(delivery)
    outbox.sweep()  # what does the sweeper make of it?

    delivery.refresh_from_db()
    reply.refresh_from_db()
    assert delivery.state == DeliveryState.UNKNOWN
    assert reply.delivery_status == DeliveryStatus.UNKNOWN
    assert "may have been sent" in reply.delivery_error

    # A restarted worker, another sweep and a new reply: the first one is not sent again.
    mailbox.stall_after_data = 0
    start_worker(worker_env)
    outbox.enqueue(delivery.pk)
    outbox.sweep()
    second = actions.send_reply(conversation=conversation, author=agent, text="Tracking: 42")
    sent = DeliveryState.SENT
    wait_for(lambda: second.deliveries.get().state == sent, 60, "the second reply")
    bodies = sorted(m.get_content().strip() for m in mailbox.messages)
    assert bodies == ["New lamp today.", "Tracking: 42"]  # 0 lost, 0 duplicated


def test_killed_before_the_hand_over(
    webform_inbox, agent, stalling_smtp, job_queue, worker_env, start_worker
):
    mailbox = stalling_smtp.mailbox
    mailbox.stall_at_rcpt = 60
    start_worker(worker_env)
    conversation = submit_form(webform_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="New lamp today.")
    wait_for(mailbox.at_rcpt.is_set, 60, "the worker to reach RCPT")
    start_worker.workers[-1].kill()

    delivery = reply.deliveries.get()
    assert delivery.state == DeliveryState.SENDING
    assert delivery.handover_started_at is None  # nothing was handed over yet
    mailbox.stall_at_rcpt = 0
    start_worker(worker_env)
    let_the_claim_run_out(delivery)
    assert outbox.sweep() == 1  # re-enqueued for the new worker

    wait_for(lambda: reply.deliveries.get().state == DeliveryState.SENT, 60, "the resend")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert [m.get_content().strip() for m in mailbox.messages] == ["New lamp today."]
