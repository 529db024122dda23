"""The conformance suite every webhook channel runs: subclass ``WebhookConformance`` in
a test module, fill in the hooks for the channel, and the tests below run for it.

What it proves, per channel: known-answer signature vectors accepted (and refused once
changed); a real payload sample parsed into the right message; a forged request refused
with nothing stored; replayed and parallel duplicate deliveries giving one message;
out-of-order delivery statuses ending in the right state; oversized (413) and malformed
(400) bodies answered fast with no message stored; and outbound against a local HTTP
server speaking the provider's API shape (URL, auth, body asserted), with 429 and 5xx
retried and a permanent 4xx shown on the message.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.outbox.actions import deliver
from rapport.outbox.models import Delivery, DeliveryState
from tests.conftest import logged_in

Body = tuple[bytes, str]  # (body, content type)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ProviderServer:
    """A local HTTP server standing in for the provider's API: it records each request
    and answers a POST from ``answers`` (status, headers, JSON body), the last one
    repeated, and a GET from ``files`` by path (status, headers, body bytes; else 404),
    recorded apart in ``fetched`` (a channel's GETs do not count as sends)."""

    answers: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    files: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    fetched: list[Recorded] = field(default_factory=list)
    url: str = ""
    host: str = "127.0.0.1"

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetched.append(Recorded("GET", self.path, dict(self.headers.items()), b""))
                status, headers, data = provider.files.get(
                    self.path, (404, {"Content-Type": "application/json"}, b'{"status": 404}')
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                provider.requests.append(
                    Recorded("POST", self.path, dict(self.headers.items()), body)
                )
                status, headers, payload = (
                    provider.answers.pop(0) if len(provider.answers) > 1 else provider.answers[0]
                )
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.url = f"http://{self.host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WebhookConformance:
    """The hooks a channel fills in; the ``test_`` methods are the suite."""

    kind: ClassVar[str]
    vectors: ClassVar[list[dict[str, Any]]]  # known-answer cases, read by vector_accepts

    # Hooks -------------------------------------------------------------------------

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        raise NotImplementedError

    def vector_accepts(self, vector: dict[str, Any], signature: str) -> bool:
        """Whether the channel's check accepts ``signature`` for the vector's request."""
        raise NotImplementedError

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        """A real payload sample and what it must become: customer_phone (or
        customer_address: (identity kind, address)), text, external_id."""
        raise NotImplementedError

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        """A customer's message (for voice: a call, ``text`` unused) from ``sender``."""
        raise NotImplementedError

    def shown(self, sender: str, text: str) -> str:
        """How ``message(..., sender, text, ...)`` reads on the timeline."""
        return text

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        """A status callback saying ``status`` (queued, sent, delivered, read, failed)."""
        raise NotImplementedError

    def malformed(self, inbox: Inbox) -> Body:
        """A body the provider could sign but that holds no readable message."""
        raise NotImplementedError

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        raise NotImplementedError

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        """Make the channel's outbound requests go to ``provider``."""
        raise NotImplementedError

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The provider's answer to a message it took."""
        raise NotImplementedError

    def sent_id(self, external_id: str) -> str:
        """The id ``send`` records for a message the provider took as ``accepted(external_id)``
        (the same, unless the channel's ids are built from more than one field)."""
        return external_id

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        """A permanent 4xx answer, and the words of it the reply must show."""
        raise NotImplementedError

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        raise NotImplementedError

    # Helpers ------------------------------------------------------------------------

    @pytest.fixture
    def inbox(self, admin: User, agent: User) -> Inbox:
        return self.make_inbox(admin, agent)

    @pytest.fixture
    def provider(self, settings: Any) -> Iterator[ProviderServer]:
        server = ProviderServer(answers=[self.accepted("SMfirst")])
        server.start()
        self.point_at(settings, server)
        yield server
        server.stop()

    def post(self, client: Client, inbox: Inbox, body: Body, forged: bool = False) -> Any:
        data, content_type = body
        return client.post(
            f"/channels/{inbox.kind}/{inbox.public_key}",
            data,
            content_type=content_type,
            **self.signed_headers(inbox, body, forged),
        )

    def reply(self, client: Client, inbox: Inbox, agent: User, text: str = "On its way") -> Message:
        """A customer writes, an agent answers: the reply, after its delivery ran."""
        self.post(client, inbox, self.message(inbox, "+14155550123", "Hello?", "SMcustomer1"))
        conversation = Conversation.objects.get(inbox=inbox)
        logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": text})
        return conversation.messages.get(text=text)

    # The suite ----------------------------------------------------------------------

    def test_known_answer_signatures_are_accepted_and_changed_ones_refused(self):
        assert self.vectors
        for vector in self.vectors:
            expected = vector["expected_signature"]
            assert self.vector_accepts(vector, expected), vector["name"]
            tampered = ("A" if expected[0] != "A" else "B") + expected[1:]
            assert not self.vector_accepts(vector, tampered), vector["name"]

    def test_a_real_sample_becomes_the_right_message(self, inbox, client):
        body, expected = self.sample(inbox)
        response = self.post(client, inbox, body)

        assert response.status_code == 200, response.content
        message = Message.objects.get(conversation__inbox=inbox)
        customer = message.conversation.customer
        if "customer_phone" in expected:
            assert customer.phone == expected["customer_phone"]
        else:  # a channel's own kind of address (a messenger's user id)
            identity = customer.identities.get()
            assert (identity.kind, identity.address) == expected["customer_address"]
        assert message.text == expected["text"]
        assert message.external_id == expected["external_id"]
        assert RawWebhook.objects.get().state == WebhookState.PROCESSED

    def test_a_forged_request_is_refused_and_nothing_stored(self, inbox, client):
        body = self.message(inbox, "+14155550123", "hi", "SMforged")
        response = self.post(client, inbox, body, forged=True)

        assert response.status_code == 403
        assert not RawWebhook.objects.exists()
        assert not Message.objects.exists()

    def test_a_replayed_delivery_gives_one_message(self, inbox, client):
        body = self.message(inbox, "+14155550123", "Once", "SMreplayed")
        answers = [self.post(client, inbox, body).status_code for _ in range(3)]

        assert answers == [200, 200, 200]
        assert RawWebhook.objects.count() == 1
        once = self.shown("+14155550123", "Once")
        assert list(Message.objects.values_list("text", flat=True)) == [once]

    def test_parallel_duplicate_deliveries_give_one_message(self, inbox):
        body = self.message(inbox, "+14155550123", "Twice at once", "SMparallel")
        answers: list[int] = []
        start = threading.Barrier(6)

        def deliver_once() -> None:
            try:
                start.wait()
                answers.append(self.post(Client(), inbox, body).status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=deliver_once) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert answers == [200] * 6
        assert RawWebhook.objects.count() == 1
        shown = self.shown("+14155550123", "Twice at once")
        assert Message.objects.filter(text=shown).count() == 1

    def test_out_of_order_statuses_end_in_the_right_state(self, inbox, client, agent, provider):
        provider.answers[:] = [self.accepted("SMread"), self.accepted("SMfailed")]
        read = self.reply(client, inbox, agent, "First")
        failed = self.reply(client, inbox, agent, "Second")
        assert read.deliveries.get().external_id == self.sent_id("SMread")

        for status in ["delivered", "read", "sent", "queued", "delivered"]:
            assert self.post(client, inbox, self.status(inbox, "SMread", status)).status_code == 200
        for status in ["failed", "sent", "delivered", "queued"]:
            self.post(client, inbox, self.status(inbox, "SMfailed", status))

        read.refresh_from_db()
        failed.refresh_from_db()
        assert read.delivery_status == DeliveryStatus.READ
        assert failed.delivery_status == DeliveryStatus.FAILED
        assert failed.deliveries.get().state == DeliveryState.FAILED
        assert failed.delivery_error

    def test_a_status_before_the_hand_over_is_recorded_waits_for_it(self, inbox, client):
        response = self.post(client, inbox, self.status(inbox, "SMunknown", "delivered"))

        assert response.status_code == 200
        assert RawWebhook.objects.get().state == WebhookState.PENDING  # tried again later

    def test_oversized_and_malformed_bodies_are_refused_fast_with_no_message(self, inbox, client):
        channel_limit = 64 * 1024
        started = time.perf_counter()
        oversized = client.post(
            f"/channels/{inbox.kind}/{inbox.public_key}",
            b"x" * (channel_limit * 20),
            content_type="application/x-www-form-urlencoded",
        )
        malformed = self.post(client, inbox, self.malformed(inbox))
        elapsed = time.perf_counter() - started

        assert oversized.status_code == 413
        assert malformed.status_code == 400
        assert elapsed < 2
        assert not Message.objects.exists()
        # The malformed one is kept whole, quarantined (Settings → Quarantine).
        raw = RawWebhook.objects.get()
        assert raw.state == WebhookState.UNPROCESSABLE
        assert bytes(raw.body) == self.malformed(inbox)[0]

    @pytest.mark.parametrize("content_type", ["application/json", "channel's own"])
    def test_hostile_signed_bodies_get_a_4xx_never_a_500_nor_half_a_message(
        self, inbox, client, content_type
    ):
        """Signed (so past the signature check), but not what the provider sends: deeply
        nested JSON, NUL bytes, bytes that are not UTF-8, JSON of the wrong shape."""
        own = self.malformed(inbox)[1]
        hostile = [
            b'{"a":' * 5000 + b"1" + b"}" * 5000,
            b"[" * 100_000,
            b"\x00" * 200,
            b"\xff\xfe\xfa\xc3\x28",
            b"[]",
            b"null",
            b'{"entry": [{"changes": 5, "messaging": "x"}], "message": {"text": 7}}',
            b"",
            b"%%%&&&===&=%ZZ",
        ]
        for data in hostile:
            body = (data, own if content_type == "channel's own" else content_type)
            answer = self.post(client, inbox, body)
            assert answer.status_code < 500, (data[:40], answer.status_code)
        assert not Message.objects.exists()
        assert not RawWebhook.objects.filter(state=WebhookState.PENDING).exists()

    def test_a_reply_is_sent_in_the_providers_api_shape(self, inbox, client, agent, provider):
        reply = self.reply(client, inbox, agent)

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.SENT
        assert reply.deliveries.get().external_id == self.sent_id("SMfirst")
        [request] = provider.requests
        self.assert_send_request(request, inbox, reply)

    def test_429_waits_for_retry_after_then_sends(self, inbox, client, agent, provider):
        provider.answers[:] = [(429, {"Retry-After": "120"}, {}), self.accepted("SMlater")]
        reply = self.reply(client, inbox, agent)
        delivery = reply.deliveries.get()

        assert delivery.state == DeliveryState.QUEUED
        assert (delivery.next_attempt_at - timezone.now()).total_seconds() > 100
        self._run_again(delivery)
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.SENT
        assert reply.deliveries.get().external_id == self.sent_id("SMlater")

    def test_5xx_is_retried(self, inbox, client, agent, provider):
        provider.answers[:] = [(503, {}, {}), self.accepted("SMafter5xx")]
        reply = self.reply(client, inbox, agent)
        delivery = reply.deliveries.get()

        assert delivery.state == DeliveryState.QUEUED
        self._run_again(delivery)
        assert reply.deliveries.get().external_id == self.sent_id("SMafter5xx")
        assert len(provider.requests) == 2

    def test_a_permanent_4xx_fails_the_reply_with_the_providers_words(
        self, inbox, client, agent, provider
    ):
        answer, words = self.refused()
        provider.answers[:] = [answer]
        reply = self.reply(client, inbox, agent)

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.FAILED
        assert words in reply.delivery_error
        assert len(provider.requests) == 1  # not tried again
        page = logged_in(agent).get(f"/conversations/{reply.conversation_id}").content.decode()
        assert words in page

    def _run_again(self, delivery: Delivery) -> None:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        deliver(delivery.pk)
