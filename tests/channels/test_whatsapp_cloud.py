"""WhatsApp through Meta's Cloud API (``adapters/whatsapp/``): the conformance suite, the
pywa SDK's real payload samples, media fetched through the Graph API, setup checked
against it, the 24-hour window, and templates, buttons and files sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from rapport.accounts.models import User
from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import DeliveryStatus, Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters import meta
from rapport.inboxes.adapters.whatsapp import inbound
from rapport.inboxes.channels import StatusUpdate
from rapport.inboxes.models import Inbox, RawWebhook
from tests.channels import whatsapp_cloud as wa
from tests.channels.conformance import Body, ProviderServer, Recorded, WebhookConformance
from tests.conftest import logged_in
from tests.email.conftest import shared_data
from tests.factories import InboxFactory

pytestmark = pytest.mark.django_db(transaction=True)


def meta_vector() -> dict[str, Any]:
    path = shared_data("webhook-signature-vectors") / "vectors.json"
    found: dict[str, Any] = json.loads(path.read_text())["meta_whatsapp_cloud"]
    return {"name": "meta_whatsapp_cloud", **found}


def pywa(name: str) -> dict[str, Any]:
    """A file of pywa's samples, read in place: case name → webhook body."""
    found: dict[str, Any] = json.loads(
        (shared_data("whatsapp-cloud-webhooks-pywa") / name).read_text()
    )
    return found


@pytest.fixture
def graph(settings: Any) -> Iterator[wa.GraphServer]:
    server = wa.GraphServer()
    server.knows_the_number()
    server.start()
    settings.META_GRAPH_API_BASE = server.url
    yield server
    server.stop()


def create_inbox(admin: User, agent: User, **fields: str) -> Any:
    return logged_in(admin).post(
        "/settings/inboxes/new/whatsapp",
        {
            "name": "WhatsApp",
            "phone_number_id": wa.PHONE_ID,
            "business_account_id": wa.WABA_ID,
            "access_token": wa.TOKEN,
            "app_secret": wa.APP_SECRET,
            "verify_token": "",
            "members": [agent.pk],
            **fields,
        },
    )


class TestWhatsAppCloud(WebhookConformance):
    kind = "whatsapp"

    @property
    def vectors(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return [meta_vector()]

    @pytest.fixture
    def inbox(self, admin: User, agent: User, graph: wa.GraphServer) -> Inbox:
        return self.make_inbox(admin, agent)

    def make_inbox(self, admin: User, agent: User) -> Inbox:
        page = create_inbox(admin, agent)
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind=self.kind)

    def vector_accepts(self, vector: dict[str, Any], given: str) -> bool:
        return meta.signature_matches(vector["app_secret"], vector["raw_body"].encode(), given)

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        # The real captured delivery of the signature vector, signed with this inbox's secret.
        body = meta_vector()["raw_body"].encode()
        expected = {
            "customer_phone": "+972544401243",
            "text": "Hey there! I am using PyWa.",
            "external_id": "wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3"
            "QzUwODYzMDc4NjQ4QzM4ODAxM0YA",
        }
        return (body, wa.JSON), expected

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        wa_id = sender.lstrip("+")
        body = wa.webhook(
            contacts=[wa.contact(wa_id)], messages=[wa.text_message(wa_id, text, message_id)]
        )
        return body, wa.JSON

    def status(self, inbox: Inbox, external_id: str, status: str) -> Body:
        return wa.webhook(statuses=[wa.status(external_id, status)]), wa.JSON

    def malformed(self, inbox: Inbox) -> Body:
        broken = {"id": "wamid.broken", "timestamp": "1733390000", "type": "text"}  # no "from"
        return wa.webhook(messages=[broken]), wa.JSON

    def signed_headers(self, inbox: Inbox, body: Body, forged: bool = False) -> dict[str, str]:
        return wa.signed(body[0], "0" * 32 if forged else wa.APP_SECRET)

    def point_at(self, settings: Any, provider: ProviderServer) -> None:
        settings.META_GRAPH_API_BASE = provider.url

    def accepted(self, external_id: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        return wa.accepted(external_id)

    def refused(self) -> tuple[tuple[int, dict[str, str], dict[str, Any]], str]:
        answer = wa.graph_error(
            400, 131026, "(#131026) Message Undeliverable.", "Message Undeliverable."
        )
        return answer, "WhatsApp could not deliver it"

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == f"/{wa.PHONE_ID}/messages"
        assert request.headers["Authorization"] == f"Bearer {wa.TOKEN}"
        assert json.loads(request.body) == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "14155550123",
            "type": "text",
            "text": {"preview_url": False, "body": reply.text},
        }

    # WhatsApp's own -------------------------------------------------------------------

    def test_the_profile_name_names_the_customer(self, inbox, client):
        body, _ = self.sample(inbox)
        self.post(client, inbox, body)
        assert Message.objects.get().conversation.customer.name == "PyWa Tests"

    def test_several_messages_and_statuses_in_one_request(self, inbox, client):
        body = wa.webhook(
            contacts=[wa.contact("14155550123"), wa.contact("34612345678", "Luis")],
            messages=[
                wa.text_message("14155550123", "First", "wamid.one"),
                wa.text_message("34612345678", "Second", "wamid.two"),
            ],
            statuses=[wa.status("wamid.unknown", "delivered")],
        )
        assert self.post(client, inbox, (body, wa.JSON)).status_code == 200
        assert RawWebhook.objects.get().key == "wamid.one wamid.two wamid.unknown:delivered"
        by_text = {m.text: m.conversation.customer for m in Message.objects.all()}
        assert by_text["First"].phone == "+14155550123"
        assert by_text["Second"].name == "Luis"

    def test_a_message_without_a_known_contact_still_arrives(self, inbox, client):
        body = wa.webhook(messages=[wa.text_message("14155550123", "No profile", "wamid.np")])
        assert self.post(client, inbox, (body, wa.JSON)).status_code == 200
        assert Message.objects.get().conversation.customer.phone == "+14155550123"

    def test_the_same_phone_on_sms_and_whatsapp_is_one_customer(self, inbox, client):
        sms = InboxFactory(name="Texts", kind="sms", config={})
        first = receive_message(
            inbox=sms,
            message=InboundMessage(sender=Sender("phone", "+14155550123"), text="By SMS"),
        )
        self.post(client, inbox, self.message(inbox, "+14155550123", "By WhatsApp", "wamid.w1"))
        on_whatsapp = Message.objects.get(text="By WhatsApp").conversation.customer
        assert on_whatsapp.pk == first.message.conversation.customer_id

    def test_the_verify_token_handshake(self, inbox, client):
        token = inbox.setting("verify_token")
        assert len(token) >= 20  # made for the inbox: the field was left empty
        url = f"/channels/whatsapp/{inbox.public_key}"
        good = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "8712"}
        assert client.get(url, good).content == b"8712"
        assert client.get(url, {**good, "hub.verify_token": "guess"}).status_code == 403

    def test_a_failed_status_shows_whatsapps_words(self, inbox, client, agent, provider):
        provider.answers[:] = [self.accepted("wamid.fails")]
        reply = self.reply(client, inbox, agent)
        self.post(client, inbox, self.status(inbox, "wamid.fails", "failed"))
        reply.refresh_from_db()
        assert reply.delivery_status == DeliveryStatus.FAILED
        assert "WhatsApp could not deliver it" in reply.delivery_error
        assert "Message Undeliverable." in reply.delivery_error


# The pywa samples, parsed (no database) ------------------------------------------------

PYWA_MESSAGES = {
    "text": "Body Text",
    "image": "[Photo]",
    "media_with_url": "[Photo]",
    "video": "[Forwarded]\n[Video]\ncaption",
    "document": "[Forwarded]\n[Document “filename.pdf”]\ncaption",
    "audio": "[Forwarded]\n[Audio]",
    "voice": "[Voice message]",
    "static_sticker": "[Sticker]",
    "animated_sticker": "[Sticker]",
    "reaction": "Reacted 😮 to message wamid.yzxyzx=",
    "unreaction_empty": "Removed a reaction (wamid.yzxyzx=)",
    "unreaction_no_emoji": "Removed a reaction (wamid.yzxyzx=)",
    "current_location": "[Forwarded]\n[Location] 12.25089, 43.90539\n"
    "https://www.openstreetmap.org/?mlat=12.25089&mlon=43.90539",
    "chosen_location": "[Forwarded]\n[Location] Facebook HQ · 1 Hacker Way, Menlo Park, CA 94025"
    " · 37.4611978, -122.2164385\nhttps://www.openstreetmap.org/?mlat=37.4611978&mlon=-122.2164385",
    "contacts": "[Shared contacts]\nChandler Bing: +1 555-555-5555\nMonica: +1 666-666-6666\n"
    "Rachel Green: +1 777-777-7777",
    "order": "Sent an order: 3 x HAMBURGER, 2 x FRENCH_FRIES, 2 x SODA",
    "unsupported": "[WhatsApp did not pass this message on (unsupported): WhatsApp does not"
    " support this kind of message. Message type unknown — Message type is currently not"
    " supported. (error 131051)]",
    "unsupported_with_type": "[WhatsApp did not pass this message on (pool): WhatsApp does not"
    " support this kind of message. Message type unknown — Message type is currently not"
    " supported. (error 131051)]",
    "reply": "[In reply to message wamid.xyzxyz==]\nreplied text",
    "forwarded": "[Forwarded]\nforwarded text",
    "forwarded_many_times": "[Forwarded many times]\ntext forwarded many times",
    "interactive_message_with_err": "[WhatsApp did not pass this message on (interactive):"
    " Something went wrong — Unsupported webhook payload (error 131000)]",
    "referral": "[Came from the ad or post: AD_TITLE]\nBODY",
}


def parsed_one(body: dict[str, Any]) -> InboundMessage:
    [item] = inbound.parse(json.dumps(body).encode())
    assert isinstance(item, InboundMessage)
    return item


@pytest.mark.parametrize("case", sorted(PYWA_MESSAGES))
def test_every_pywa_message_sample_reads_as_the_customer_sent_it(case):
    message = parsed_one(pywa("message.json")[case])
    assert message.text == PYWA_MESSAGES[case]
    assert message.sender == Sender("phone", "+972987654321", "Test Name")
    assert message.external_id.startswith("wamid.")


def test_the_samples_cover_every_message_case():
    assert set(pywa("message.json")) == set(PYWA_MESSAGES)


@pytest.mark.parametrize(
    ("file", "case", "text"),
    [
        ("callback_button.json", "button", "Pressed “title”"),
        ("callback_button.json", "quick_reply", "Pressed “title”"),
        ("callback_button.json", "quick_reply_without_context", "Pressed “title”"),
        ("callback_selection.json", "callback", "Pressed “title”"),
        ("callback_selection.json", "description", "Pressed “title” (description)"),
    ],
)
def test_buttons_and_list_rows_show_what_the_customer_pressed(file, case, text):
    assert parsed_one(pywa(file)[case]).text == text


@pytest.mark.parametrize(
    ("case", "expected"),
    [("sent", "sent"), ("delivered", "delivered"), ("read", "read"), ("played", "read")],
)
def test_pywa_statuses_become_status_updates(case, expected):
    [update] = inbound.parse(json.dumps(pywa("message_status.json")[case]).encode())
    assert update == StatusUpdate(external_id="wamid.xyzxyz", status=expected)


def test_a_failed_pywa_status_carries_whatsapps_reason():
    [update] = inbound.parse(json.dumps(pywa("message_status.json")["failed"]).encode())
    assert isinstance(update, StatusUpdate)
    assert update.status == "failed"
    assert "User's number is part of an experiment" in update.error
    assert "130472" in update.error


def test_a_groups_status_and_other_fields_are_nothing_for_the_inbox():
    statuses = pywa("message_status.json")
    assert inbound.parse(json.dumps(statuses["group"]).encode()) == []
    for name in ("template_status_update.json", "account_update.json"):
        for body in pywa(name).values():
            assert inbound.parse(json.dumps(body).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
    ],
)
def test_what_is_not_a_whatsapp_webhook_is_refused_in_words(body):
    with pytest.raises(ValidationFailed):
        inbound.parse(body)
    assert inbound.request_key(body)  # still stored (and quarantined) by its hash
