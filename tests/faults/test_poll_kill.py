"""kill -9 of a real worker in the middle of an IMAP poll (Dovecot, Redis of our own).

Before: the Huey lock ``email-poll`` stayed in Redis without expiry and every later poll
was skipped, restart or not, and parse subprocesses outlived the worker. Now the lock
expires, a restarted worker frees it at once, the parse processes die with the worker,
and every mail is ingested exactly once.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis

from rapport.conversations.models import Message
from rapport.inboxes.models import Inbox
from tests.email.conftest import mail
from tests.faults.workers import alive, descendants, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MAILS = 400
LOCK_KEY = ":1:rapport:lock:email-poll"  # Django's cache key format: prefix:version:key


def test_a_worker_killed_mid_poll_loses_no_mail_and_polling_resumes(
    email_inbox: Inbox, dovecot: Any, private_redis: Any, worker_env: Any, start_worker: Any
) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the parse pool runs only with two cores or more")
    dovecot.append(
        *(
            mail(message_id=f"<poll-{n}@mail.example>", subject=f"Order {n}", body=f"Mail {n}")
            for n in range(MAILS)
        )
    )
    email_inbox.config = {**email_inbox.config, "imap": dovecot.imap_settings()}
    email_inbox.save(update_fields=["config"])
    env = {**worker_env, "REDIS_URL": private_redis.url, "RAPPORT_EMAIL_PARSE_POOL": "1"}
    stored = Message.objects.filter(inbox=email_inbox)

    worker = start_worker(env)  # the scheduler starts a poll as the worker starts
    wait_for(lambda: stored.exists(), 120, "the poll to store its first mails")
    children = descendants(worker.pid)
    worker.kill()

    in_redis = redis.Redis.from_url(private_redis.url)
    assert stored.count() < MAILS, "the poll finished before the kill; the test proves nothing"
    assert in_redis.exists(LOCK_KEY), "the killed poll's lock is still there..."
    assert 0 < in_redis.ttl(LOCK_KEY) <= 180, "...but it expires on its own"
    assert children, "no parse process ran; the test proves nothing about them"
    wait_for(lambda: not any(alive(pid) for pid in children), 15, "the parse processes to die")

    start_worker(env)  # frees the dead worker's lock at start, then polls
    wait_for(lambda: stored.count() >= MAILS, 180, "the restarted worker's poll")
    subjects = list(stored.values_list("conversation__subject", flat=True))
    assert len(subjects) == MAILS  # 0 lost, 0 duplicated
    assert sorted(subjects) == sorted(f"Order {n}" for n in range(MAILS))
