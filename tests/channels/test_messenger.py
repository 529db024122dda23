"""Facebook Messenger and Instagram messaging: the conformance suite for both, and what
the suite does not cover — settings with the credential check, the handshake, Meta's
event kinds (quick replies, postbacks, echoes, files, story replies and mentions, deletes,
reads by watermark), the messaging window, quick replies and files out, Meta's errors.

Posts are the documented shapes in fixtures/messenger_webhooks.json and
instagram_webhooks.json, signed with a test app secret; the Graph API is a local server
(``meta_graph.GraphServer``, or the suite's ``ProviderServer``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes import channels
from rapport.inboxes.adapters import meta
from rapport.inboxes.channels import InboundRefused
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.outbox.models import Delivery, DeliveryState
from tests.channels.conformance import Body, ProviderServer, Recorded, WebhookConformance
from tests.channels.meta_graph import GraphServer
from tests.conftest import logged_in
from tests.email.conftest import shared_data

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "EAAGtestPageAccessToken"
JSON = "application/json"
PROFILE = {"first_name": "Ana", "last_name": "Ruiz", "name": "Ana Ruiz", "username": "ana.ruiz"}


def meta_vector() -> dict[str, Any]:
    path = shared_data("webhook-signature-vectors") / "vectors.json"
    case: dict[str, Any] = json.loads(path.read_text())["meta_whatsapp_cloud"]
    return {**case, "name": "meta X-Hub-Signature-256 (a WhatsApp body: the scheme is Meta's)"}


@pytest.fixture(autouse=True)
def graph(settings: Any) -> Iterator[GraphServer]:
    """Meta's Graph API, here: the Pages' names and customers' profiles answer."""
    server = GraphServer()
    server.start()
    for suite in (TestMessenger, TestInstagram):
        account = suite.fixture()["page_id"]
        server.routes[f"GET /v21.0/{account}"] = (200, {}, {"id": account, **suite.account})
    server.routes["GET /v21.0/6152837465019283"] = (200, {}, PROFILE)
    server.routes["GET /v21.0/1254459154682919"] = (200, {}, PROFILE)
    settings.META_GRAPH_API_BASE = server.url + "/v21.0"
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]  # files are fetched from it
    yield server
    server.stop()


class TestMessenger(WebhookConformance):
    kind = "messenger"
    fixture_file = "messenger_webhooks.json"
    account: dict[str, str] = {"name": "Northwind Goods"}
    messages_path = "/v21.0/106712345678901/messages"

    @classmethod
    def fixture(cls) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((FIXTURES / cls.fixture_file).read_text())
        return found

    @property
    def page_id(self) -> str:
        return str(self.fixture()["page_id"])

    @property
    def vectors(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [meta_vector()]

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        page = logged_in(admin).post(
            f"/settings/inboxes/new/{self.kind}",
            {
                "name": f"Shop on {self.kind}",
                "page_id": self.page_id,
                "page_token": TOKEN,
                "app_secret": APP_SECRET,
                "verify_token": "",
                "members": [agent.pk],
            },
        )
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind=self.kind)

    def vector_accepts(self, vector: dict[str, Any], given: str) -> bool:
        inbox = Inbox(kind=self.kind, config={"app_secret": vector["app_secret"]})
        body = vector["raw_body"].encode()
        request = RequestFactory().post(
            "/", body, content_type=JSON, HTTP_X_HUB_SIGNATURE_256=given
        )
        try:
            channels.get(self.kind).verify(request, inbox, body)
        except InboundRefused:
            return False
        return True

    def post_of(self, name: str) -> dict[str, Any]:
        post: dict[str, Any] = self.fixture()["posts"][name]
        return post

    def body(self, post: dict[str, Any]) -> Body:
        return json.dumps(post).encode(), JSON

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, Any]]:
        fixture = self.fixture()
        expected = {
            **fixture["expected"],
            "customer_address": (channels.get(self.kind).address_kind, fixture["psid"]),
        }
        return self.body(fixture["posts"]["text"]), expected

    def event(self, sender: str, **part: Any) -> Body:
        """One event from ``sender`` in the documented envelope."""
        event = {"sender": {"id": sender}, "recipient": {"id": self.page_id}, **part}
        event.setdefault("timestamp", int(timezone.now().timestamp() * 1000))
        post = {
            "object": channels.get(self.kind).object_name,  # type: ignore[attr-defined]
            "entry": [{"id": self.page_id, "time": event["timestamp"], "messaging": [event]}],
        }
        return self.body(post)

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        psid = "".join(c for c in sender if c.isdigit())  # the suite's phone number as a PSID
        return self.event(psid, message={"mid": message_id, "text": text})

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        """Messenger: a delivery names its mids; a read gives a watermark (every reply
        sent before it), here just after the reply with this id."""
        if status == "delivered":
            watermark = int(timezone.now().timestamp() * 1000)
            return self.event(
                "14155550123", delivery={"mids": [external_id], "watermark": watermark}
            )
        assert status == "read", "Meta sends no sent, queued or failed callbacks"
        reply = Delivery.objects.filter(external_id=external_id).first()
        at = reply.message.created_at if reply and reply.message else timezone.now()
        return self.event("14155550123", read={"watermark": int(at.timestamp() * 1000) + 1})

    def malformed(self, inbox: Inbox) -> Body:
        # Meta could sign it, but the event names no sender.
        event = {"recipient": {"id": self.page_id}, "message": {"mid": "m_x", "text": "?"}}
        kind = channels.get(self.kind).object_name  # type: ignore[attr-defined]
        post = {"object": kind, "entry": [{"id": self.page_id, "messaging": [event]}]}
        return self.body(post)

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        secret = "not-the-app-secret" if forged else APP_SECRET
        return {"HTTP_X_HUB_SIGNATURE_256": meta.signature(secret, body[0])}

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        settings.META_GRAPH_API_BASE = provider.url + "/v21.0"

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        return 200, {}, {"recipient_id": "14155550123", "message_id": external_id}

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        error = {
            "message": "(#100) No matching user found",
            "type": "OAuthException",
            "code": 100,
            "error_subcode": 2018001,
            "fbtrace_id": "AbCdEfGh",
        }
        return (400, {}, {"error": error}), "No matching user found"

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == self.messages_path
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert json.loads(request.body) == {
            "recipient": {"id": "14155550123"},
            "messaging_type": "RESPONSE",
            "message": {"text": reply.text},
        }

    # Meta has no "sent", "queued" or "failed" callbacks on these channels (a refusal is
    # the Send API's answer, tested below): the suite's sequence is replaced by Meta's.
    def test_out_of_order_statuses_end_in_the_right_state(self, inbox, client, agent, provider):
        provider.answers[:] = [self.accepted("m_first"), self.accepted("m_second")]
        first = self.reply(client, inbox, agent, "First")
        second = self.reply(client, inbox, agent, "Second")

        for status in ["read", "delivered", "read", "delivered"]:
            assert (
                self.post(client, inbox, self.status(inbox, "m_first", status)).status_code == 200
            )
        self.post(client, inbox, self.status(inbox, "m_second", "delivered"))

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.delivery_status == DeliveryStatus.READ
        assert second.delivery_status == DeliveryStatus.DELIVERED


class TestInstagram(TestMessenger):
    kind = "instagram"
    fixture_file = "instagram_webhooks.json"
    account = {"name": "Northwind Goods", "username": "northwind.goods"}
    messages_path = "/v21.0/me/messages"

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        """Instagram's messaging_seen names the message read (``read.mid``); it sends no
        deliveries, so "delivered" is Messenger's shape, which the shared parser reads."""
        if status == "read":
            return self.event("14155550123", read={"mid": external_id})
        return super().status(inbox, external_id, status)


# The rest, for one channel or both --------------------------------------------------

MESSENGER, INSTAGRAM = TestMessenger(), TestInstagram()
BOTH = pytest.mark.parametrize("suite", [MESSENGER, INSTAGRAM], ids=["messenger", "instagram"])


def post(suite: TestMessenger, client: Client, inbox: Inbox, body: Body) -> Any:
    return suite.post(client, inbox, body)


@BOTH
def test_the_settings_tab_shows_what_to_paste_and_never_the_secrets(suite, admin, agent):
    inbox = suite.make_inbox(admin, agent)
    page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/{suite.kind}").content.decode()

    assert f"/channels/{suite.kind}/{inbox.public_key}</code>" in page
    verify = inbox.config["verify_token"]
    assert len(verify) >= 24  # made up, since none was typed
    assert f">{verify}</code>" in page
    assert "Connected to Northwind Goods" in page
    assert TOKEN not in page
    assert APP_SECRET not in page
    kept = logged_in(admin).post(
        f"/settings/inboxes/{inbox.pk}/{suite.kind}",
        {"page_id": suite.page_id, "page_token": "", "app_secret": "", "verify_token": ""},
    )
    assert kept.status_code == 302
    inbox.refresh_from_db()
    assert inbox.config["page_token"] == TOKEN  # left empty: the stored ones are kept
    assert inbox.config["app_secret"] == APP_SECRET
    assert inbox.config["verify_token"] == verify


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            (400, {}, {"error": {"message": "Error validating access token", "code": 190}}),
            "Meta does not accept the Page access token",
        ),
        (
            (400, {}, {"error": {"message": "Object does not exist", "code": 100}}),
            "Meta found no Page with the id 106712345678901",
        ),
        (
            (403, {}, {"error": {"message": "(#10) Permission denied", "code": 10}}),
            "a permission is missing",
        ),
    ],
)
def test_a_failed_credential_check_is_explained_and_nothing_saved(graph, admin, answer, words):
    graph.routes["GET /v21.0/106712345678901"] = answer
    page = logged_in(admin).post(
        "/settings/inboxes/new/messenger",
        {"name": "Page", "page_id": "106712345678901", "page_token": "bad", "app_secret": "s"},
    )

    assert page.status_code == 400
    assert words in page.content.decode()
    assert not Inbox.objects.filter(kind="messenger").exists()
    [check] = graph.sent("GET")
    assert check.path == "/v21.0/106712345678901?fields=name"
    assert check.headers["Authorization"] == "Bearer bad"


def test_meta_out_of_reach_and_a_wrong_id_are_explained(settings, admin):
    fields = {"name": "Page", "page_token": "t", "app_secret": "s"}
    letters = logged_in(admin).post(
        "/settings/inboxes/new/messenger", {**fields, "page_id": "my-page"}
    )
    settings.META_GRAPH_API_BASE = "http://127.0.0.1:9/v21.0"  # nothing listens there
    away = logged_in(admin).post(
        "/settings/inboxes/new/messenger", {**fields, "page_id": "106712345678901"}
    )

    assert letters.status_code == 400
    assert "digits only" in letters.content.decode()
    assert away.status_code == 400
    assert "could not be reached" in away.content.decode()
    assert not Inbox.objects.filter(kind="messenger").exists()


@BOTH
def test_the_verify_token_handshake(suite, admin, agent, client):
    inbox = suite.make_inbox(admin, agent)
    url = f"/channels/{suite.kind}/{inbox.public_key}"
    token = inbox.config["verify_token"]

    good = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"}
    )
    wrong = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
    )

    assert (good.status_code, good.content) == (200, b"42")
    assert wrong.status_code == 403


@pytest.fixture
def messenger(admin: User, agent: User) -> Inbox:
    return MESSENGER.make_inbox(admin, agent)


@pytest.fixture
def instagram(admin: User, agent: User) -> Inbox:
    return INSTAGRAM.make_inbox(admin, agent)


def received(suite: TestMessenger, client: Client, inbox: Inbox, name: str) -> Message:
    response = post(suite, client, inbox, suite.body(suite.post_of(name)))
    assert response.status_code == 200, response.content
    return Message.objects.filter(conversation__inbox=inbox).latest("id")


def test_a_new_customer_is_named_from_the_graph_api_once(messenger, client, graph):
    received(MESSENGER, client, messenger, "text")
    received(MESSENGER, client, messenger, "quick_reply")

    customer = Conversation.objects.get(inbox=messenger).customer
    assert customer.name == "Ana Ruiz"
    lookups = [r.path for r in graph.sent("GET") if "6152837465019283" in r.path]
    assert lookups == ["/v21.0/6152837465019283?fields=first_name%2Clast_name"]


def test_a_named_customers_next_conversation_asks_meta_nothing(messenger, client, graph):
    received(MESSENGER, client, messenger, "text")
    Conversation.objects.filter(inbox=messenger).update(status="resolved")
    received(MESSENGER, client, messenger, "quick_reply")  # opens a second conversation

    assert Conversation.objects.filter(inbox=messenger).count() == 2
    lookups = [r.path for r in graph.sent("GET") if "6152837465019283" in r.path]
    assert len(lookups) == 1


def test_a_failed_name_look_up_never_keeps_the_message_out(messenger, client, graph):
    graph.routes["GET /v21.0/6152837465019283"] = (500, {}, {"error": {"message": "oops"}})
    message = received(MESSENGER, client, messenger, "text")

    assert message.text == "Hello! Is the blue teapot back in stock?"
    assert message.conversation.customer.name == ""


def test_quick_replies_and_postbacks_show_what_was_pressed(messenger, client):
    quick = received(MESSENGER, client, messenger, "quick_reply")
    pressed = received(MESSENGER, client, messenger, "postback")

    assert quick.text == "Yes, please\n(Quick reply button: RESTOCK_NOTIFY_YES)"
    assert pressed.text == "Pressed “Track my order”"
    assert pressed.external_id == "m_postback_1"


def test_echoes_of_our_own_messages_are_ignored(messenger, client):
    response = post(MESSENGER, client, messenger, MESSENGER.body(MESSENGER.post_of("echo")))

    assert response.status_code == 200
    assert not Message.objects.exists()
    assert RawWebhook.objects.get().state == WebhookState.PROCESSED


def image_post(url: str) -> dict[str, Any]:
    found = MESSENGER.post_of("image")
    text = json.dumps(found).replace("MEDIA_URL", url)
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_a_photo_is_fetched_and_kept_with_the_message(messenger, client, graph):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"0" * 2000
    graph.routes["GET /media/v/t1.15752-9/cracked_lid.jpg"] = (
        200,
        {"Content-Type": "image/jpeg"},
        jpeg,
    )
    body = MESSENGER.body(image_post(graph.url + "/media"))
    post(MESSENGER, client, messenger, body)

    message = Message.objects.get()
    assert message.text == "Sent a photo"
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("cracked_lid.jpg", "image/jpeg")
    assert attachment.file.read() == jpeg


@pytest.mark.parametrize(
    ("where", "answer", "words"),
    [
        ("local", (404, {}, b"gone"), "Meta answered 404"),
        ("local", (200, {}, b"x" * 3000), "3000 bytes, over the 2000-byte limit"),
        ("private", None, "internal address"),
    ],
)
def test_a_photo_that_cannot_be_fetched_leaves_a_note(
    messenger, client, graph, settings, where, answer, words
):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 2000
    if where == "private":
        settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = []  # 127.0.0.1 is what it is: refused
    else:
        graph.routes["GET /media/v/t1.15752-9/cracked_lid.jpg"] = answer
    post(MESSENGER, client, messenger, MESSENGER.body(image_post(graph.url + "/media")))

    message = Message.objects.get()
    assert message.text.startswith("Sent a photo\n[The image could not be fetched from Meta (")
    assert words in message.text
    assert f"Link: {graph.url}/media/v/t1.15752-9/cracked_lid.jpg" in message.text
    assert not message.attachments.exists()


def test_a_read_watermark_marks_every_reply_sent_before_it(messenger, client, agent, graph):
    graph.routes["POST /v21.0/106712345678901/messages"] = [
        (200, {}, {"recipient_id": "6152837465019283", "message_id": "m_one"}),
        (200, {}, {"recipient_id": "6152837465019283", "message_id": "m_two"}),
    ]
    received(MESSENGER, client, messenger, "text")
    conversation = Conversation.objects.get()
    for text in ("One", "Two"):
        logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": text})
    later = int((timezone.now() + timedelta(seconds=5)).timestamp() * 1000)
    read = MESSENGER.event("6152837465019283", read={"watermark": later})

    assert post(MESSENGER, client, messenger, read).status_code == 200
    statuses = set(
        conversation.messages.filter(direction="out").values_list("delivery_status", flat=True)
    )
    assert statuses == {DeliveryStatus.READ}


def test_an_instagram_story_reply_is_shown_with_the_story(instagram, client, agent):
    message = received(INSTAGRAM, client, instagram, "story_reply")

    assert message.text == (
        "Replied to your story: https://lookaside.fbsbx.com/ig_messaging_cdn/"
        "?asset_id=17994512345678901&signature=AbCdEf\nLove this colour! Is it the sage one?"
    )
    assert message.conversation.customer.name == "Ana Ruiz"  # Instagram's "name"
    page = logged_in(agent).get(f"/conversations/{message.conversation_id}")
    assert 'href="https://lookaside.fbsbx.com/ig_messaging_cdn/' in page.content.decode()


def test_an_instagram_story_mention_and_photo_stay_links(instagram, client, graph):
    mention = received(INSTAGRAM, client, instagram, "story_mention")
    photo = received(INSTAGRAM, client, instagram, "image")

    assert mention.text == (
        "Mentioned you in their story: https://lookaside.fbsbx.com/ig_messaging_cdn/"
        "?asset_id=17994599999999999&signature=XyZ"
    )
    assert photo.text.startswith("Sent a photo: https://lookaside.fbsbx.com/")
    assert not photo.attachments.exists()  # Meta's terms: Instagram media is not stored
    assert not [r for r in graph.requests if "lookaside" in r.path]


def test_an_unsent_instagram_message_is_noted_with_what_it_said(instagram, client):
    received(INSTAGRAM, client, instagram, "text")
    deleted = received(INSTAGRAM, client, instagram, "deleted")

    assert deleted.text == (
        "The customer deleted (unsent) their message: “Do you ship the linen aprons to Norway?”"
    )
    assert Message.objects.count() == 2


# The messaging window ---------------------------------------------------------------


def customer_wrote(
    inbox: Inbox, client: Client, suite: TestMessenger, days_ago: float
) -> Conversation:
    received(suite, client, inbox, "text")
    Message.objects.update(created_at=timezone.now() - timedelta(days=days_ago))
    return Conversation.objects.get(inbox=inbox)


@BOTH
@pytest.mark.parametrize(
    ("days_ago", "fields"),
    [
        (0.5, {"messaging_type": "RESPONSE"}),
        (3, {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    ],
)
def test_replies_within_24_hours_respond_and_up_to_7_days_are_tagged_human_agent(
    suite, admin, agent, client, graph, days_ago, fields
):
    inbox = suite.make_inbox(admin, agent)
    graph.routes[f"POST {suite.messages_path}"] = (200, {}, {"message_id": "m_out"})
    conversation = customer_wrote(inbox, client, suite, days_ago)
    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Here you are"})

    [sent] = graph.sent("POST")
    body = json.loads(sent.body)
    assert {k: body[k] for k in fields} == fields
    assert ("tag" in body) == ("tag" in fields)
    assert conversation.messages.get(text="Here you are").delivery_status == DeliveryStatus.SENT


def test_after_7_days_the_reply_is_refused_in_words(messenger, client, agent, graph):
    conversation = customer_wrote(messenger, client, MESSENGER, 8)
    window = channels.get("messenger").messaging_window(conversation)  # type: ignore[attr-defined]
    answer = logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Late"})

    assert window.state(timezone.now()) == "closed"
    assert window.human_agent_until == window.last_inbound + timedelta(days=7)
    assert answer.status_code == 400
    assert "more than 7 days ago" in answer.content.decode()
    assert not conversation.messages.filter(text="Late").exists()
    assert not graph.sent("POST")


def test_a_queued_reply_whose_window_closed_fails_without_sending(messenger, client, agent, graph):
    graph.routes["POST /v21.0/106712345678901/messages"] = (503, {}, {})
    conversation = customer_wrote(messenger, client, MESSENGER, 6.9)
    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Soon"})
    reply = conversation.messages.get(text="Soon")
    Message.objects.filter(direction="in").update(created_at=timezone.now() - timedelta(days=8))
    delivery = reply.deliveries.get()
    MESSENGER._run_again(delivery)

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "more than 7 days ago" in reply.delivery_error
    assert len(graph.sent("POST")) == 1  # the first try only


# Outbound: quick replies, files, Meta's errors -----------------------------------------


def test_a_last_quick_replies_line_becomes_buttons(messenger, client, agent, graph):
    graph.routes["POST /v21.0/106712345678901/messages"] = (200, {}, {"message_id": "m_q"})
    conversation = customer_wrote(messenger, client, MESSENGER, 0)
    buttons = "Quick replies: Yes please | No thanks | A much longer answer here"
    text = f"Shall we hold one for you?\n{buttons}"
    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": text})

    message = json.loads(graph.sent("POST")[0].body)["message"]
    assert message["text"] == "Shall we hold one for you?"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "Yes please", "payload": "Yes please"},
        {"content_type": "text", "title": "No thanks", "payload": "No thanks"},
        {
            "content_type": "text",
            "title": "A much longer answer",
            "payload": "A much longer answer here",
        },
    ]


def png() -> SimpleUploadedFile:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    return SimpleUploadedFile("receipt.png", data, content_type="image/png")


def test_a_messenger_file_is_uploaded_with_its_message(messenger, client, agent, graph):
    graph.routes["POST /v21.0/106712345678901/messages"] = [
        (200, {}, {"message_id": "m_text"}),
        (200, {}, {"message_id": "m_file", "attachment_id": "991"}),
    ]
    conversation = customer_wrote(messenger, client, MESSENGER, 0)
    logged_in(agent).post(
        f"/conversations/{conversation.pk}/reply", {"text": "Your receipt", "attachments": [png()]}
    )

    text, upload = graph.sent("POST")
    assert json.loads(text.body)["message"] == {"text": "Your receipt"}
    assert upload.path == "/v21.0/106712345678901/messages"
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="filedata"; filename="receipt.png"' in upload.body
    assert b'{"type": "image", "payload": {"is_reusable": false}}' in upload.body
    assert b'name="messaging_type"\r\n\r\nRESPONSE' in upload.body
    reply = conversation.messages.get(text="Your receipt")
    assert reply.deliveries.get().external_id == "m_text"


def test_an_instagram_file_is_uploaded_then_sent_by_its_id(instagram, client, agent, graph):
    graph.routes["POST /v21.0/me/message_attachments"] = (
        200,
        {},
        {"attachment_id": "1857777774821032"},
    )
    graph.routes["POST /v21.0/me/messages"] = (200, {}, {"message_id": "m_ig"})
    conversation = customer_wrote(instagram, client, INSTAGRAM, 0)
    logged_in(agent).post(
        f"/conversations/{conversation.pk}/reply", {"text": "Here", "attachments": [png()]}
    )

    _text, upload, send = graph.sent("POST")
    assert upload.path == "/v21.0/me/message_attachments"
    assert b'name="platform"\r\n\r\ninstagram' in upload.body
    assert b'name="filedata"; filename="receipt.png"' in upload.body
    assert json.loads(send.body)["message"] == {
        "attachment": {"type": "image", "payload": {"attachment_id": "1857777774821032"}}
    }


@pytest.mark.parametrize(
    ("answer", "state", "words"),
    [
        (
            (
                400,
                {},
                {
                    "error": {
                        "message": "(#613) Calls to this api have exceeded the rate limit.",
                        "code": 613,
                    }
                },
            ),
            DeliveryState.QUEUED,
            "Meta is limiting requests",
        ),
        (
            (
                400,
                {},
                {
                    "error": {
                        "message": "(#10) This message is sent outside of allowed window.",
                        "code": 10,
                        "error_subcode": 2018278,
                    }
                },
            ),
            DeliveryState.FAILED,
            "outside the 24-hour window",
        ),
        (
            (
                400,
                {},
                {
                    "error": {
                        "message": "Error validating access token: Session has expired",
                        "code": 190,
                        "error_subcode": 463,
                    }
                },
            ),
            DeliveryState.FAILED,
            "paste a new one in the inbox's settings",
        ),
        (
            (500, {}, {"error": {"message": "An unknown error occurred", "code": 1}}),
            DeliveryState.QUEUED,
            "Meta had a problem",
        ),
    ],
)
def test_metas_errors_are_retried_or_failed_in_words(
    messenger, client, agent, graph, answer, state, words
):
    graph.routes["POST /v21.0/106712345678901/messages"] = answer
    conversation = customer_wrote(messenger, client, MESSENGER, 0)
    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Hi"})

    reply = conversation.messages.get(text="Hi")
    delivery = reply.deliveries.get()
    assert delivery.state == state
    shown = reply.delivery_error or delivery.last_error
    assert words in shown
    if state == DeliveryState.QUEUED and answer[2]["error"]["code"] == 613:
        assert (delivery.next_attempt_at - timezone.now()).total_seconds() > 50


def test_entries_for_another_page_are_left_to_its_inbox(messenger, client):
    event = {"sender": {"id": "6152837465019283"}, "recipient": {"id": "999"}, "timestamp": 1}
    event["message"] = {"mid": "m_other_page", "text": "For the other Page"}
    other = {"object": "page", "entry": [{"id": "999", "time": 1, "messaging": [event]}]}

    assert post(MESSENGER, client, messenger, MESSENGER.body(other)).status_code == 200
    assert not Message.objects.exists()
    assert RawWebhook.objects.get().state == WebhookState.PROCESSED


def test_a_quick_reply_to_our_own_buttons_shows_just_the_answer(messenger, client):
    tapped = MESSENGER.event(
        "6152837465019283",
        message={"mid": "m_tap", "text": "Yes please", "quick_reply": {"payload": "Yes please"}},
    )
    post(MESSENGER, client, messenger, tapped)

    assert Message.objects.get().text == "Yes please"


@pytest.mark.parametrize(
    ("text", "sent", "buttons"),
    [
        ("Hello", "Hello", []),
        ("Pick one\nquick reply: A|B", "Pick one", ["A", "B"]),
        ("Quick replies: A | B", "Quick replies: A | B", []),  # no question above: as written
        ("Quick replies: A\nthen more", "Quick replies: A\nthen more", []),  # not the last line
    ],
)
def test_which_lines_become_quick_replies(text, sent, buttons):
    from rapport.inboxes.adapters.messenger.outbound import split_quick_replies

    found_text, found_buttons = split_quick_replies(text)
    assert found_text == sent
    assert [b["title"] for b in found_buttons] == buttons


def test_taking_a_message_back_does_not_reopen_the_window(instagram, client):
    conversation = customer_wrote(instagram, client, INSTAGRAM, 8)
    received(INSTAGRAM, client, instagram, "deleted")  # just now
    window = channels.get("instagram").messaging_window(conversation)  # type: ignore[attr-defined]

    assert window.state(timezone.now()) == "closed"
    assert timezone.now() - window.last_inbound > timedelta(days=7)


def test_the_reply_box_shows_the_7_day_window_through_the_channel_contract(
    messenger, client, agent
):
    """``Channel.reply_window`` (the contract WhatsApp shares): time left while an agent
    may answer, and once closed no text box and why."""
    conversation = customer_wrote(messenger, client, MESSENGER, 2.5)
    shown = logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert "Window closes in 4 d 11 h" in shown  # 4 d 12 h less the test's seconds
    assert "data-window-closed" not in shown

    Message.objects.update(created_at=timezone.now() - timedelta(days=9, minutes=-1))
    shown = logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()
    assert (
        "The 7-day window closed 1 d 23 h ago: nothing can be sent until the customer writes"
        " again" in shown
    )
    assert "data-window-closed" in shown
