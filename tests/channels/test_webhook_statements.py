"""The webhook paths' cost and upkeep (issue 11): the statements of accepting and of
processing a stored request, the endpoint past the agent app's middleware, and the
retention of processed requests. The workers' batches: test_webhook_queue.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.conversations.models import Conversation, Message
from rapport.inboxes import inbound, tasks
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.inboxes.webhooks import process
from tests.channels import test_conformance, test_messenger
from tests.channels.conformance import WebhookConformance
from tests.channels.meta_graph import GraphServer

pytestmark = pytest.mark.django_db(transaction=True)

SMS = test_conformance.TestTwilioSms()
MESSENGER, INSTAGRAM = test_messenger.TestMessenger(), test_messenger.TestInstagram()
PSID = "14155550123"  # the suites' phone number, as Meta's scoped id
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.fixture
def inbox(admin, agent, twilio_api) -> Inbox:  # the settings form checks the keys
    return SMS.make_inbox(admin, agent)


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(CONTROL)]


@pytest.fixture
def graph(settings: Any) -> Iterator[GraphServer]:
    """Meta's Graph API for the Messenger and Instagram inboxes: the account, a profile."""
    server = GraphServer()
    server.start()
    for suite in (MESSENGER, INSTAGRAM):
        account = {"id": suite.page_id, **suite.account}
        server.routes[f"GET /v21.0/{suite.page_id}"] = (200, {}, account)
    server.routes[f"GET /v21.0/{PSID}"] = (200, {}, test_messenger.PROFILE)
    settings.META_GRAPH_API_BASE = server.url + "/v21.0"
    yield server
    server.stop()


def stored(
    client: Any,
    inbox: Inbox,
    monkeypatch: Any,
    sender: str,
    message_id: str,
    suite: WebhookConformance = SMS,
) -> int:
    """A customer's text accepted and stored, its job not run: the row's id."""
    monkeypatch.setattr(inbound, "enqueue_processing", lambda raw_id: None)
    # The same words every time: on SQLite a word the search index has never seen costs
    # one more statement (search/index.py), which is the index's cost, not this path's.
    body = suite.message(inbox, sender, "Where is my order?", message_id)
    assert suite.post(client, inbox, body).status_code == 200
    return RawWebhook.objects.filter(inbox=inbox).latest("pk").pk


def test_processing_a_continuing_conversation_takes_six_statements(inbox, client, monkeypatch):
    first = stored(client, inbox, monkeypatch, "+14155550123", "SMfirst")
    second = stored(client, inbox, monkeypatch, "+14155550123", "SMsecond")

    with CaptureQueriesContext(connection) as new_customer:
        process(first)
    with CaptureQueriesContext(connection) as continuing:
        process(second)

    # Read the row; read the open conversation, note the customer's message on it, insert
    # the message and its search entry; close the row: one transaction.
    assert len(statements(continuing)) <= 6, statements(continuing)
    # A new customer also creates the customer, their identity and search entry, the
    # conversation and the open-count row: 12; on PostgreSQL 14, waiting for any other
    # transaction opening their conversation and looking again (receiving.py); 13 on
    # SQLite, whose search index also notes the words it had never seen.
    assert len(statements(new_customer)) <= 14, statements(new_customer)
    assert Message.objects.filter(conversation__inbox=inbox).count() == 2
    assert set(RawWebhook.objects.values_list("state", "attempts")) == {(WebhookState.PROCESSED, 1)}


@pytest.mark.parametrize("suite", [MESSENGER, INSTAGRAM], ids=["messenger", "instagram"])
def test_meta_messaging_continues_a_conversation_in_six_statements_and_names_the_new_customer(
    suite, admin, agent, graph, client, monkeypatch
):
    """The new customer's name is asked once, by a job after their conversation is stored
    (``adapters/messenger/tasks.py``), not by a look-up of the sender on every message."""
    inbox = suite.make_inbox(admin, agent)
    first = stored(client, inbox, monkeypatch, PSID, "m_first", suite)
    second = stored(client, inbox, monkeypatch, PSID, "m_second", suite)

    process(first)
    with CaptureQueriesContext(connection) as continuing:
        process(second)

    assert len(statements(continuing)) <= 6, statements(continuing)
    assert Conversation.objects.get(inbox=inbox).customer.name == "Ana Ruiz"
    lookups = [r.path for r in graph.sent("GET") if PSID in r.path]
    assert len(lookups) == 1, lookups
    assert Message.objects.filter(conversation__inbox=inbox).count() == 2


def test_accepting_a_webhook_is_one_insert_once_the_inbox_is_remembered(
    inbox, client, monkeypatch, settings
):
    settings.RAPPORT_WEBHOOK_INBOX_SECONDS = 60
    monkeypatch.setattr(inbound, "enqueue_processing", lambda raw_id: None)
    SMS.post(client, inbox, SMS.message(inbox, "+14155550123", "One", "SMone"))

    with CaptureQueriesContext(connection) as accepted:
        response = SMS.post(client, inbox, SMS.message(inbox, "+14155550123", "Two", "SMtwo"))

    assert response.status_code == 200
    [insert] = statements(accepted)
    assert insert.startswith('INSERT INTO "inboxes_rawwebhook"')


def test_a_switched_off_inbox_refuses_webhooks_once_it_is_forgotten(
    inbox, client, monkeypatch, settings
):
    settings.RAPPORT_WEBHOOK_INBOX_SECONDS = 60
    body = SMS.message(inbox, "+14155550123", "Hi", "SMoff")
    assert SMS.post(client, inbox, body).status_code == 200
    Inbox.objects.filter(pk=inbox.pk).update(is_active=False)
    monkeypatch.setattr(inbound, "_inboxes", {})  # as after RAPPORT_WEBHOOK_INBOX_SECONDS

    assert SMS.post(client, inbox, body).status_code == 404


def test_the_endpoint_runs_past_the_agent_apps_middleware(inbox, client):
    answered = SMS.post(client, inbox, SMS.message(inbox, "+14155550123", "Hi", "SMmw"))
    page = client.get("/login")

    assert answered.status_code == 200
    assert answered["Content-Type"] == "text/xml"
    assert int(answered["Content-Length"]) == len(answered.content)
    # No session, CSRF cookie or content policy on a provider's answer; pages keep theirs.
    assert not answered.cookies
    assert "Content-Security-Policy" not in answered
    assert "Content-Security-Policy" in page
    assert client.get(f"/channels/sms/{inbox.public_key}").status_code == 405
    missing = client.post("/channels/sms/no-such-inbox", b"", content_type="text/plain")
    assert missing.status_code == 404


def old_row(inbox: Inbox, key: str, state: str, days: float) -> RawWebhook:
    raw = RawWebhook.objects.create(inbox=inbox, key=key, body=b"x", size=1, state=state)
    when = timezone.now() - timedelta(days=days)
    RawWebhook.objects.filter(pk=raw.pk).update(
        received_at=when, processed_at=when if state != WebhookState.PENDING else None
    )
    return raw


def test_processed_requests_are_deleted_after_the_retention_quarantined_kept(inbox, settings):
    settings.RAPPORT_WEBHOOK_RETENTION_DAYS = 7
    expired = [old_row(inbox, f"old{n}", WebhookState.PROCESSED, 8) for n in range(5)]
    recent = old_row(inbox, "recent", WebhookState.PROCESSED, 6)
    quarantined = old_row(inbox, "bad", WebhookState.UNPROCESSABLE, 30)
    pending = old_row(inbox, "waiting", WebhookState.PENDING, 30)

    assert tasks.delete_old_webhooks(batch=2) == len(expired)  # in three batches

    kept = set(RawWebhook.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, quarantined.pk, pending.pk}
    tasks.delete_old_webhooks_task.call_local()  # the hourly job: nothing more to delete
    assert RawWebhook.objects.count() == 3


def test_a_retried_message_after_its_request_was_deleted_is_still_one_message(
    inbox, client, settings
):
    body = SMS.message(inbox, "+14155550123", "Only once", "SMretried")
    assert SMS.post(client, inbox, body).status_code == 200
    RawWebhook.objects.update(processed_at=timezone.now() - timedelta(days=8))
    tasks.delete_old_webhooks()

    assert SMS.post(client, inbox, body).status_code == 200
    assert Message.objects.filter(text="Only once").count() == 1


def test_workers_can_skip_the_per_job_health_check(monkeypatch):
    """`rapport worker` sets DB_HEALTH_CHECKS=0 (one `SELECT 1` less per job); the web
    keeps Django's check."""
    from rapport.config import settings as config

    monkeypatch.delenv("DB_HEALTH_CHECKS", raising=False)
    assert config._database()["CONN_HEALTH_CHECKS"] is True
    monkeypatch.setenv("DB_HEALTH_CHECKS", "0")
    assert config._database()["CONN_HEALTH_CHECKS"] is False


def test_a_broken_kept_connection_is_replaced_and_the_request_still_stored(
    inbox, client, monkeypatch
):
    """The accept path skips Django's health check before its INSERT (one round trip
    instead of two); a connection that broke meanwhile fails the INSERT, which is tried
    again on a new connection."""
    from django.db import OperationalError

    real = inbound.rows.insert
    failures = []

    def broken_once(raw: Any) -> Any:
        if not failures:
            failures.append(raw)
            raise OperationalError("server closed the connection unexpectedly")
        return real(raw)

    monkeypatch.setattr(inbound.rows, "insert", broken_once)
    response = SMS.post(client, inbox, SMS.message(inbox, "+14155550123", "Hi", "SMbroken"))

    assert response.status_code == 200
    assert failures
    assert RawWebhook.objects.filter(key="SMbroken").exists()
