"""X direct messages: the conformance suite (``conformance.py``) and what only X has —
the CRC handshake, echoes of our own replies, read receipts, media kept as links, the
account check on save."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.test import RequestFactory
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.models import DeliveryStatus, Message
from rapport.inboxes import channels
from rapport.inboxes.adapters.x import signature
from rapport.inboxes.channels import InboundRefused
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from tests.channels.conformance import Body, ProviderServer, Recorded, WebhookConformance
from tests.channels.fake_servers import FakeApi
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = json.loads((Path(__file__).parent / "fixtures" / "x_account_activity.json").read_text())
ACCOUNT = "4337869213"  # the business's account in X's documented example
TOKEN = "bWRWa3hHcUc1NnRmS3c6MTcyNzU5MzU2MjA1MTox"  # an OAuth 2.0 user access token
SECRET = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"  # X's example consumer secret
JSON = "application/json"

# Known answers, computed apart from the code under test (openssl dgst -sha256 -hmac
# <secret> -binary | base64). The CRC case is X's own example: the consumer secret and
# crc_token of its "challenge response" sample code.
VECTORS = [
    {
        "name": "CRC: X's example token and consumer secret",
        "secret": SECRET,
        "crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553",
        "expected_signature": "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8=",
    },
    {
        "name": "a delivery's body",
        "secret": SECRET,
        "body": '{"for_user_id":"4337869213","direct_message_events":[]}',
        "expected_signature": "sha256=lUxoEkg8sX8jgDMrXh+bIji11PYTR3Ylb1Bs7zhctRw=",
    },
    {
        "name": "another secret and body",
        "secret": "consumer-secret-of-the-test-app",
        "body": '{"for_user_id":"4337869213","user_has_blocked":"false","follow_events":[]}',
        "expected_signature": "sha256=oNrmXmfMl+I2rLcc9j5PQmsPIelMPmV4YKFQQRvETl8=",
    },
]


def documented(secret: str, message: bytes) -> str:
    """X's documented algorithm, written out here again: sha256= + base64(HMAC-SHA256)."""
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def x_api(account: str = ACCOUNT) -> FakeApi:
    me = {"data": {"id": account, "name": "Harrison Test", "username": "Harris_0ff"}}
    return FakeApi(routes={"GET /2/users/me": (200, {}, me)})


@pytest.fixture
def x_server(settings: Any) -> Iterator[FakeApi]:
    fake = x_api()
    fake.start()
    settings.X_API_BASE = fake.url
    yield fake
    fake.stop()


def body_of(payload: dict[str, Any]) -> Body:
    return json.dumps(payload).encode(), JSON


def read_receipt(event_id: str) -> Body:
    receipt = {
        "created_timestamp": "1516403561000",
        "sender_id": "14155550123",
        "target": {"recipient_id": ACCOUNT},
        "last_read_event_id": event_id,
    }
    return body_of({"for_user_id": ACCOUNT, "direct_message_mark_read_events": [receipt]})


class TestX(WebhookConformance):
    kind = "x"
    vectors = VECTORS

    @pytest.fixture(autouse=True)
    def account_check(self, x_server: FakeApi) -> FakeApi:
        return x_server

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        page = logged_in(admin).post(
            "/settings/inboxes/new/x",
            {
                "name": "X",
                "consumer_secret": SECRET,
                "access_token": TOKEN,
                "account_id": ACCOUNT,
                "members": [agent.pk],
            },
        )
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind=self.kind)

    def vector_accepts(self, vector: dict[str, Any], given: str) -> bool:
        signed = (vector.get("crc_token") or vector["body"]).encode()
        assert documented(vector["secret"], signed) == vector["expected_signature"]
        if "crc_token" in vector:
            answer = signature.crc_response(vector["secret"], vector["crc_token"])
            return hmac.compare_digest(answer["response_token"], given)
        inbox = Inbox(kind="x", config={"consumer_secret": vector["secret"]})
        body = vector["body"].encode()
        request = RequestFactory().post(
            "/", body, content_type=JSON, HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=given
        )
        try:
            channels.get("x").verify(request, inbox, body)
        except InboundRefused:
            return False
        return True

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        expected = dict(SAMPLES["expected"])
        expected["customer_address"] = ("x", expected["customer_address"])
        return body_of(SAMPLES["message"]), expected

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        user = sender.lstrip("+")
        event = {
            "type": "message_create",
            "id": message_id,
            "created_timestamp": "1733390000000",
            "message_create": {
                "target": {"recipient_id": ACCOUNT},
                "sender_id": user,
                "message_data": {"text": text, "entities": {}},
            },
        }
        users = {user: {"id": user, "name": "Ana Ruiz", "screen_name": "anaruiz"}}
        return body_of({"for_user_id": ACCOUNT, "direct_message_events": [event], "users": users})

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        """X reports one status, read: a receipt naming the last message the customer read."""
        return read_receipt(external_id)

    def malformed(self, inbox: Inbox) -> Body:
        event = {"type": "message_create", "id": "1"}  # no message_create object
        return body_of({"for_user_id": ACCOUNT, "direct_message_events": [event]})

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        secret = "not-the-secret" if forged else SECRET
        return {"HTTP_X_TWITTER_WEBHOOKS_SIGNATURE": documented(secret, body[0])}

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        settings.X_API_BASE = provider.url

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        data = {"dm_conversation_id": f"{ACCOUNT}-14155550123", "dm_event_id": external_id}
        return 201, {}, {"data": data}

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        words = "You are not permitted to send a DM to this user."
        problem = {"detail": words, "title": "Forbidden", "type": "about:blank", "status": 403}
        return (403, {}, problem), words

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == "/2/dm_conversations/with/14155550123/messages"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert json.loads(request.body) == {"text": reply.text}

    # X reports only "read" (a read receipt), so the suite's mixed-order test is replaced
    # by test_a_read_receipt_marks_the_reply_read below.
    test_out_of_order_statuses_end_in_the_right_state = None  # type: ignore[assignment]

    # X's own ------------------------------------------------------------------------

    def test_a_read_receipt_marks_the_reply_read(self, inbox, client, agent, provider):
        provider.answers[:] = [self.accepted("1580000000000000001")]
        reply = self.reply(client, inbox, agent)
        for _ in range(2):  # a repeated receipt changes nothing
            assert self.post(client, inbox, read_receipt("1580000000000000001")).status_code == 200

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.READ

    def test_the_crc_check_is_answered_with_the_consumer_secret(self, inbox, client):
        token = VECTORS[0]["crc_token"]
        answer = client.get(f"/channels/x/{inbox.public_key}", {"crc_token": token})

        assert answer.status_code == 200
        assert answer.json() == {"response_token": VECTORS[0]["expected_signature"]}
        assert client.get(f"/channels/x/{inbox.public_key}").status_code == 400

    def test_our_own_replies_echoed_back_are_ignored(self, inbox, client):
        response = self.post(client, inbox, body_of(SAMPLES["echo"]))

        assert response.status_code == 200
        assert not Message.objects.exists()
        assert RawWebhook.objects.get().state == WebhookState.PROCESSED

    def test_the_customer_is_named_with_their_handle(self, inbox, client):
        self.post(client, inbox, body_of(SAMPLES["message"]))
        customer = Message.objects.get().conversation.customer
        assert customer.name == "Jordan Brinks (@furiouscamper)"
        assert customer.identities.get(kind="x").address == "3001969357"

    def test_media_is_kept_as_a_link_to_xs_copy(self, inbox, client):
        self.post(client, inbox, body_of(SAMPLES["media"]))
        assert Message.objects.get().text == (
            "Blue Bird https://t.co/blue\nAttachment (photo, on X): "
            "https://ton.twitter.com/1.1/ton/data/dm/1234858592/954491830116155400/bluebird.jpg"
        )

    def test_activity_for_another_account_is_ignored(self, inbox, client):
        other = {**SAMPLES["message"], "for_user_id": "999"}
        assert self.post(client, inbox, body_of(other)).status_code == 200
        assert not Message.objects.exists()

    def test_saving_checks_the_token_against_the_account(self, admin, agent, x_server):
        page = logged_in(admin).post(
            "/settings/inboxes/new/x",
            {
                "name": "X",
                "consumer_secret": SECRET,
                "access_token": TOKEN,
                "account_id": "12345",
                "members": [agent.pk],
            },
        )
        assert page.status_code == 400
        assert "the access token is for @Harris_0ff (user id 4337869213)" in page.content.decode()
        [check] = x_server.requests
        assert check.headers["Authorization"] == f"Bearer {TOKEN}"

    def test_an_expired_token_is_explained(self, admin, agent, x_server):
        x_server.routes["GET /2/users/me"] = (
            401,
            {},
            {"title": "Unauthorized", "detail": "Unauthorized", "status": 401},
        )
        page = logged_in(admin).post(
            "/settings/inboxes/new/x",
            {"name": "X", "consumer_secret": SECRET, "access_token": TOKEN, "members": [agent.pk]},
        )
        assert page.status_code == 400
        assert "X refused the access token: it may have expired" in page.content.decode()

    def test_the_settings_tab_shows_the_url_and_account_and_no_secret(self, inbox, admin):
        page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/x").content.decode()
        assert f"/channels/x/{inbox.public_key}" in page
        assert "@Harris_0ff" in page
        assert SECRET not in page
        assert TOKEN not in page

    def test_429_waits_until_xs_rate_limit_reset(self, inbox, client, agent, provider):
        reset = str(int(time.time()) + 600)
        provider.answers[:] = [
            (429, {"x-rate-limit-reset": reset}, {"title": "Too Many Requests"}),
            self.accepted("1"),
        ]
        reply = self.reply(client, inbox, agent)
        delivery = reply.deliveries.get()
        assert 500 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 600


class TestRenewingTheAccessToken:
    """X's OAuth 2.0 user tokens expire after two hours: with a refresh token and the client
    id a 401 renews the token once (stored, rotated), without them the reply fails plainly."""

    suite = TestX()

    @pytest.fixture(autouse=True)
    def account_check(self, x_server: FakeApi) -> FakeApi:
        return x_server

    @pytest.fixture
    def inbox(self, admin: User, agent: User) -> Inbox:
        return self.suite.make_inbox(admin, agent)

    @pytest.fixture
    def renewable(self, inbox: Inbox, admin: User) -> Inbox:
        fields = {"refresh_token": "R1", "client_id": "client-7", "client_secret": "cs-9"}
        page = logged_in(admin).post(f"/settings/inboxes/{inbox.pk}/x", fields)
        assert page.status_code == 302, page.content
        inbox.refresh_from_db()
        return inbox

    @pytest.fixture
    def provider(self, settings: Any) -> Iterator[ProviderServer]:
        server = ProviderServer(answers=[self.suite.accepted("1")])
        server.start()
        settings.X_API_BASE = server.url
        yield server
        server.stop()

    def test_a_401_renews_the_token_and_sends(self, renewable, client, agent, provider):
        expired = (401, {}, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
        tokens = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "A2",
            "refresh_token": "R2",
        }
        provider.answers[:] = [
            expired,
            (200, {}, tokens),
            self.suite.accepted("1580000000000000009"),
        ]
        reply = self.suite.reply(client, renewable, agent)

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.SENT
        first, renewal, again = provider.requests
        assert first.headers["Authorization"] == f"Bearer {TOKEN}"
        assert renewal.path == "/2/oauth2/token"
        client_auth = base64.b64encode(b"client-7:cs-9").decode()
        assert renewal.headers["Authorization"] == f"Basic {client_auth}"
        assert dict(parse_qsl(renewal.body.decode())) == {
            "grant_type": "refresh_token",
            "refresh_token": "R1",
            "client_id": "client-7",
        }
        assert again.headers["Authorization"] == "Bearer A2"
        renewable.refresh_from_db()
        assert renewable.config["access_token"] == "A2"
        assert renewable.config["refresh_token"] == "R2"  # X rotates it on every refresh

    def test_a_refused_renewal_fails_the_reply_in_words(self, renewable, client, agent, provider):
        expired = (401, {}, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
        refused = {
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        }
        provider.answers[:] = [expired, (400, {}, refused)]
        reply = self.suite.reply(client, renewable, agent)

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.FAILED
        assert "X refused to renew the access token" in reply.delivery_error
        assert "Value passed for the token was invalid." in reply.delivery_error

    def test_without_a_refresh_token_a_401_fails_plainly(self, inbox, client, agent, provider):
        provider.answers[:] = [
            (401, {}, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401})
        ]
        reply = self.suite.reply(client, inbox, agent)

        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.FAILED
        assert "X refused the access token (it may have expired" in reply.delivery_error
        assert len(provider.requests) == 1

    def test_a_refresh_token_needs_the_client_id(self, inbox, admin):
        page = logged_in(admin).post(f"/settings/inboxes/{inbox.pk}/x", {"refresh_token": "R1"})
        assert page.status_code == 400
        assert "needs the app&#x27;s OAuth 2.0 client id" in page.content.decode()
