"""kill -9 of a real worker (``rapport worker``) while it processes stored webhooks.

The endpoint stores the requests and answers; a worker claims them in batches
(``inboxes/webhook_queue.py``) and dies mid-way. The rows it had claimed come due again
when their lease ends, and a second worker finishes. Counted against what was accepted:
0 lost, 0 doubled.
"""

from __future__ import annotations

from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from rapport.conversations.models import Message
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from tests.channels import test_conformance
from tests.channels.twilio import twilio_api  # noqa: F401 - the Twilio fixture, reused
from tests.faults.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SMS = test_conformance.TestTwilioSms()
ACCEPTED = 600


@pytest.fixture
def inbox(admin, agent, twilio_api) -> Inbox:  # noqa: F811
    return SMS.make_inbox(admin, agent)


def test_a_killed_worker_loses_no_webhook_and_doubles_none(
    inbox, client, worker_env, start_worker, monkeypatch
):
    monkeypatch.setattr(HUEY, "immediate", False)  # the endpoint stores; workers process
    for n in range(ACCEPTED):
        body = SMS.message(inbox, f"+1415555{n % 50:04d}", f"Message {n}", f"SMkill{n}")
        assert SMS.post(client, inbox, body).status_code == 200
    # Small batches on one thread, so the worker is killed with work claimed and left.
    slow: dict[str, Any] = {"RAPPORT_WEBHOOK_THREADS": "1", "RAPPORT_WEBHOOK_BATCH": "4"}

    first = start_worker({**worker_env, **slow})
    wait_for(lambda: Message.objects.count() >= 40, 60, "the first worker to get going")
    first.kill()
    done_by_the_first = Message.objects.count()
    assert done_by_the_first < ACCEPTED  # killed mid-way

    # Two minutes later (the lease), what it had claimed is due again.
    RawWebhook.objects.filter(state=WebhookState.PENDING).update(next_try_at=None)
    start_worker(worker_env)
    wait_for(
        lambda: not RawWebhook.objects.exclude(state=WebhookState.PROCESSED).exists(),
        120,
        "every stored request to be processed",
    )

    ids = list(Message.objects.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) == ACCEPTED  # 0 lost, 0 doubled
