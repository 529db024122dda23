"""Telegram bots: the conformance suite (``conformance.py``) and what only Telegram has —
setWebhook with a secret on save, files fetched in the job, edits, button presses,
group chats ignored, Telegram's error words on a failed reply."""

from __future__ import annotations

import base64
import json
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes import channels
from rapport.inboxes.adapters.telegram import outbound, updates
from rapport.inboxes.channels import InboundRefused
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.outbox.models import DeliveryState
from tests.channels.conformance import Body, ProviderServer, Recorded, WebhookConformance
from tests.channels.fake_servers import FakeApi
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

UPDATES = json.loads((Path(__file__).parent / "fixtures" / "telegram_updates.json").read_text())
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs"
CUSTOMER = "14155550123"  # the suite's customer "+14155550123", as a Telegram user id
JSON = "application/json"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Shop help", "username": "shop_help_bot"}
PHOTO_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


def number(text: str) -> int:
    """The suite names messages with words ("SMfirst"); Telegram's ids are numbers."""
    return zlib.crc32(text.encode())


def bot_api(webhook_url: str = "") -> FakeApi:
    ok = {"ok": True, "result": True}
    return FakeApi(
        routes={
            "POST getMe": (200, {}, {"ok": True, "result": BOT}),
            "POST setWebhook": (200, {}, {**ok, "description": "Webhook was set"}),
            "POST getWebhookInfo": (
                200,
                {},
                {"ok": True, "result": {"url": webhook_url, "pending_update_count": 0}},
            ),
            "POST answerCallbackQuery": (200, {}, ok),
            "POST getFile": (
                200,
                {},
                {"ok": True, "result": {"file_id": "x", "file_path": "photos/file_7.jpg"}},
            ),
            "GET file/photos/file_7.jpg": (200, {}, PHOTO_BYTES),
        }
    )


@pytest.fixture
def telegram(settings: Any) -> Iterator[FakeApi]:
    fake = bot_api()
    fake.start()
    settings.TELEGRAM_API_BASE = fake.url
    yield fake
    fake.stop()


def update_body(update: dict[str, Any]) -> Body:
    return json.dumps(update).encode(), JSON


class TestTelegram(WebhookConformance):
    kind = "telegram"
    vectors = [
        # Telegram does not sign: it sends back, verbatim, the secret_token given to
        # setWebhook ("1-256 characters, A-Z, a-z, 0-9, _ and -").
        {
            "name": "the secret_token of setWebhook",
            "secret": "S3cr3t_token-1",
            "expected_signature": "S3cr3t_token-1",
        },
        {
            "name": "a 256-character secret",
            "secret": "a" * 255 + "Z",
            "expected_signature": "a" * 255 + "Z",
        },
    ]

    @pytest.fixture(autouse=True)
    def bot(self, telegram: FakeApi) -> FakeApi:
        return telegram

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        page = logged_in(admin).post(
            "/settings/inboxes/new/telegram",
            {"name": "Telegram", "bot_token": TOKEN, "members": [agent.pk]},
        )
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind=self.kind)

    def vector_accepts(self, vector: dict[str, Any], signature: str) -> bool:
        inbox = Inbox(kind="telegram", config={"secret_token": vector["secret"]})
        request = RequestFactory().post(
            "/", b"{}", content_type=JSON, HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=signature
        )
        try:
            channels.get("telegram").verify(request, inbox, b"{}")
        except InboundRefused:
            return False
        return True

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        expected = dict(UPDATES["text"]["expected"])
        expected["customer_address"] = ("telegram", expected["customer_address"])
        return update_body(UPDATES["text"]["update"]), expected

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        user = int(sender.lstrip("+"))
        person = {"id": user, "is_bot": False, "first_name": "Ana", "last_name": "Ruiz"}
        return update_body(
            {
                "update_id": number(message_id),
                "message": {
                    "message_id": number(message_id),
                    "from": person,
                    "chat": {"id": user, "first_name": "Ana", "type": "private"},
                    "date": 1733390000,
                    "text": text,
                },
            }
        )

    def malformed(self, inbox: Inbox) -> Body:
        return update_body({"update_id": 5, "message": {"message_id": 1}})  # no chat, no sender

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        secret = "not-the-secret" if forged else inbox.config["secret_token"]
        return {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        settings.TELEGRAM_API_BASE = provider.url

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        chat = {"id": int(CUSTOMER), "first_name": "Ana", "type": "private"}
        sent = {"message_id": number(external_id), "chat": chat, "date": 1733390001, "text": "x"}
        return 200, {}, {"ok": True, "result": sent}

    def sent_id(self, external_id: str) -> str:
        return f"{CUSTOMER}:{number(external_id)}"

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        words = "Forbidden: bot was blocked by the user"
        return (403, {}, {"ok": False, "error_code": 403, "description": words}), words

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == f"/bot{TOKEN}/sendMessage"  # the token is the credential
        assert request.headers["Content-Type"] == JSON
        assert json.loads(request.body) == {"chat_id": CUSTOMER, "text": reply.text}

    # The Bot API has no delivery receipts: nothing reports a reply delivered or read, so
    # the suite's two status tests do not apply (test_a_reply_ends_sent says what holds).
    test_out_of_order_statuses_end_in_the_right_state = None  # type: ignore[assignment]
    test_a_status_before_the_hand_over_is_recorded_waits_for_it = None  # type: ignore[assignment]

    # Telegram's own -----------------------------------------------------------------

    def test_a_reply_ends_sent(self, inbox, client, agent, provider):
        reply = self.reply(client, inbox, agent)
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.SENT

    def test_saving_registers_the_webhook_with_a_secret(self, inbox, bot):
        [call] = bot.calls("POST setWebhook")
        sent = json.loads(call.body)
        assert sent == {
            "url": f"http://127.0.0.1:8000/channels/telegram/{inbox.public_key}",
            "secret_token": inbox.config["secret_token"],
            "allowed_updates": ["message", "edited_message", "callback_query"],
        }
        assert len(inbox.config["secret_token"]) >= 32
        assert inbox.config["bot_username"] == "shop_help_bot"
        assert call.path == f"/bot{TOKEN}/setWebhook"

    def test_the_secret_stays_for_the_same_bot_and_changes_with_another(self, inbox, admin):
        secret = inbox.config["secret_token"]
        settings_page = f"/settings/inboxes/{inbox.pk}/telegram"
        assert logged_in(admin).post(settings_page, {"bot_token": ""}).status_code == 302
        inbox.refresh_from_db()
        assert inbox.config["secret_token"] == secret  # blank kept the token, and the secret

        other = "987654321:AAFotherbotTOKENotherbotTOKEN-xyz"
        assert logged_in(admin).post(settings_page, {"bot_token": other}).status_code == 302
        inbox.refresh_from_db()
        assert inbox.config["bot_token"] == other
        assert inbox.config["secret_token"] != secret

    def test_the_settings_page_shows_the_bot_and_the_webhook_state(self, inbox, admin, bot):
        url = f"http://127.0.0.1:8000/channels/telegram/{inbox.public_key}"
        info = {"url": url, "pending_update_count": 3, "last_error_message": "Connection timed out"}
        bot.routes["POST getWebhookInfo"] = (200, {}, {"ok": True, "result": info})
        page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/telegram").content.decode()

        assert "@shop_help_bot" in page
        assert "last delivery here failed: Connection timed out. 3 updates are waiting." in page
        assert TOKEN not in page
        assert inbox.config["secret_token"] not in page

        info = {"url": "https://elsewhere.example/hook", "pending_update_count": 0}
        bot.routes["POST getWebhookInfo"] = (200, {}, {"ok": True, "result": info})
        page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/telegram").content.decode()
        assert "does not post this bot&#x27;s messages to this inbox" in page

    def test_a_wrong_token_is_explained_and_nothing_is_created(self, admin, agent, bot):
        unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        bot.routes["POST getMe"] = (401, {}, unauthorized)
        page = logged_in(admin).post(
            "/settings/inboxes/new/telegram",
            {"name": "Telegram", "bot_token": TOKEN, "members": [agent.pk]},
        )
        assert page.status_code == 400
        assert "Telegram does not know this bot token" in page.content.decode()
        assert not Inbox.objects.filter(kind="telegram").exists()

    def test_a_refused_webhook_is_said_plainly(self, admin, agent, bot):
        refused = {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        }
        bot.routes["POST setWebhook"] = (400, {}, refused)
        page = logged_in(admin).post(
            "/settings/inboxes/new/telegram",
            {"name": "Telegram", "bot_token": TOKEN, "members": [agent.pk]},
            follow=True,
        )
        assert "Telegram did not take the webhook" in page.content.decode()
        assert "An HTTPS URL must be provided" in page.content.decode()

    def test_the_largest_photo_is_fetched_and_stored(self, inbox, client, bot):
        response = self.post(client, inbox, update_body(UPDATES["photo"]["update"]))

        assert response.status_code == 200
        message = Message.objects.get()
        assert message.text == "The lid is cracked, see the photo"
        [attachment] = message.attachments.all()
        assert attachment.content_type == "image/jpeg"
        assert attachment.file.read() == PHOTO_BYTES
        [asked] = bot.calls("POST getFile")
        assert json.loads(asked.body) == {"file_id": "AgACAgIAAxkBAAIBLarge"}
        assert message.conversation.customer.name == "Test Test Lastname (@Test)"

    def test_the_accept_path_asks_telegram_nothing(self, inbox, bot):
        body, _ = update_body(UPDATES["photo"]["update"])
        request = RequestFactory().post("/", body, content_type=JSON)
        asked = len(bot.requests)
        parsed = channels.get("telegram").parse(request, inbox, body)
        assert len(parsed) == 1
        assert not parsed[0].attachments
        assert len(bot.requests) == asked  # files come in the job (complete), not here

    def test_a_file_over_20_mb_is_left_out_with_a_note(self, inbox, client, bot):
        self.post(client, inbox, update_body(UPDATES["document"]))

        message = Message.objects.get()
        assert "Sent a file." in message.text
        assert "“invoice-1042.pdf” was not fetched: it is 30.0 MB, over the limit" in message.text
        assert not message.attachments.exists()
        assert not bot.calls("POST getFile")

    def test_a_failed_download_keeps_the_message_with_a_note(self, inbox, client, bot):
        bot.routes["GET file/photos/file_7.jpg"] = (404, {}, {"ok": False})
        self.post(client, inbox, update_body(UPDATES["photo"]["update"]))

        message = Message.objects.get()
        assert message.text.startswith("The lid is cracked, see the photo\n")
        assert "was not fetched: the download answered HTTP 404" in message.text
        assert not message.attachments.exists()

    @pytest.mark.parametrize(
        ("sample", "words"),
        [
            (
                "location",
                "Shared a location: 52.520008, 13.404954 (https://www.openstreetmap.org/?mlat=52.520008&mlon=13.404954)",
            ),
            ("contact", "Shared a contact: Lena Hoffmann, +4915112345678"),
        ],
    )
    def test_locations_and_contacts_are_written_out(self, inbox, client, sample, words):
        self.post(client, inbox, update_body(UPDATES[sample]))
        assert Message.objects.get().text == words

    def test_an_edit_is_a_new_message_marked_edited(self, inbox, client):
        self.post(client, inbox, update_body(UPDATES["text"]["update"]))
        self.post(client, inbox, update_body(UPDATES["edited"]))

        first, edit = Message.objects.order_by("pk")
        assert first.text == "Hello, my parcel 1042 has not arrived yet."
        assert edit.text == (
            "Edited an earlier message; it now reads:\nHello, my parcel 1043 has not arrived yet."
        )
        assert edit.external_id == "1111111:1365:edited:1441646000"
        assert edit.conversation_id == first.conversation_id

    def test_a_button_press_is_shown_and_answered_in_the_job(self, inbox, client, bot):
        self.post(client, inbox, update_body(UPDATES["callback_query"]))

        assert Message.objects.get().text == "Pressed the button “No, I need a person”"
        [answered] = bot.calls("POST answerCallbackQuery")
        assert json.loads(answered.body) == {"callback_query_id": "4382bfdwdsb323b2d9"}

    def test_group_messages_are_ignored_with_the_reason_logged(self, inbox, client, caplog):
        with caplog.at_level(logging.INFO):
            response = self.post(client, inbox, update_body(UPDATES["group"]))

        assert response.status_code == 200
        assert not Message.objects.exists()
        assert RawWebhook.objects.get().state == WebhookState.PROCESSED
        assert "written in a supergroup chat, not a private chat" in caplog.text

    def test_a_reply_with_a_picture_goes_by_send_photo(self, inbox, client, agent, provider):
        self.post(client, inbox, self.message(inbox, "+14155550123", "Hello?", "SMcustomer1"))
        conversation = Conversation.objects.get(inbox=inbox)
        picture = ("label.png", _png(), "image/png")
        logged_in(agent).post(
            f"/conversations/{conversation.pk}/reply",
            {"text": "Here is the return label", "attachments": [SimpleUploadedFile(*picture)]},
        )
        [request] = provider.requests
        assert request.path == f"/bot{TOKEN}/sendPhoto"
        assert request.headers["Content-Type"].startswith("multipart/form-data")
        assert b'name="caption"\r\n\r\nHere is the return label' in request.body
        assert b'name="chat_id"\r\n\r\n14155550123' in request.body
        assert b'name="photo"; filename="label.png"' in request.body

    def test_quick_replies_become_an_inline_keyboard(self, inbox, client, agent, provider):
        text = "Shall I keep the coat for you?\nQuick replies: Yes please | No, cancel it"
        reply = self.reply(client, inbox, agent, text)

        [request] = provider.requests
        assert json.loads(request.body) == {
            "chat_id": CUSTOMER,
            "text": "Shall I keep the coat for you?",
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": "Yes please", "callback_data": "Yes please"}],
                    [{"text": "No, cancel it", "callback_data": "No, cancel it"}],
                ]
            },
        }
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.SENT

    def test_a_reply_half_sent_is_not_sent_again_whole(self, inbox, client, agent, provider):
        self.post(client, inbox, self.message(inbox, "+14155550123", "Hello?", "SMcustomer1"))
        conversation = Conversation.objects.get(inbox=inbox)
        provider.answers[:] = [
            self.accepted("SMtext"),
            (502, {}, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
        ]
        long_text = "Here are the steps. " * 60  # over a caption's 1024 characters
        logged_in(agent).post(
            f"/conversations/{conversation.pk}/reply",
            {
                "text": long_text,
                "attachments": [SimpleUploadedFile("label.png", _png(), "image/png")],
            },
        )
        reply = conversation.messages.get(direction="out")
        delivery = reply.deliveries.get()

        assert [r.path.rsplit("/", 1)[1] for r in provider.requests] == ["sendMessage", "sendPhoto"]
        assert delivery.state == DeliveryState.UNKNOWN  # left for a person, not resent
        assert "Part of the reply reached the customer" in delivery.last_error

    def test_a_400_fails_the_reply_with_telegrams_words(self, inbox, client, agent, provider):
        words = "Bad Request: chat not found"
        provider.answers[:] = [(400, {}, {"ok": False, "error_code": 400, "description": words})]
        reply = self.reply(client, inbox, agent)
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.FAILED
        assert reply.delivery_error == f"Telegram refused it: {words}"

    def test_429_reads_retry_after_from_telegrams_parameters(self, inbox, client, agent, provider):
        limited = {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 300",
            "parameters": {"retry_after": 300},
        }
        provider.answers[:] = [(429, {}, limited), self.accepted("SMlater")]
        reply = self.reply(client, inbox, agent)
        delivery = reply.deliveries.get()
        assert 280 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 300


def _png() -> bytes:
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )


def test_an_animation_sent_with_its_document_is_fetched_once():
    gif = {"file_id": "CgACAgQAAxkBAAIBGif", "file_unique_id": "AgADgif", "file_size": 12000}
    message = {
        "animation": {**gif, "file_name": "dance.mp4"},
        "document": {**gif, "file_name": "dance.mp4"},
    }
    assert [f.file_id for f in updates.files_of(message)] == ["CgACAgQAAxkBAAIBGif"]


def test_callback_data_is_cut_to_64_bytes_whole_characters():
    _, markup = outbound.keyboard("Pick one\nQuick replies: " + "é" * 40)
    assert markup is not None
    [[button]] = markup["inline_keyboard"]
    assert button["callback_data"] == "é" * 32  # 64 bytes of two-byte characters
    assert len(button["callback_data"].encode()) <= 64
