"""A channel added the way the next one will be: one module, one line of registration.

``TextLineChannel`` below is a made-up SMS-like provider, declared only in this file. The
test registers it by adding one dotted path to ``RAPPORT_CHANNELS`` (what the line in
settings does) and then uses it end to end with no other file of the project touched:
its settings page creates an inbox and shows the webhook URL to paste, the inbound
endpoint takes a signed webhook and refuses a forged one, the reply box shows its
limits, and an agent's reply leaves through its ``send`` by way of the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django import forms
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import clear_url_caches, path, reverse

from rapport.accounts.models import User
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import AddressKind
from rapport.customers.identities import normalize_address
from rapport.inboxes.channels import (
    Channel,
    ChannelSettingsForm,
    Composer,
    InboundRefused,
    SettingsTab,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery
from tests.conftest import logged_in

# Real commits: the outbox starts sending when the reply's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)

KIND = "textline"
SENT: list[tuple[str, str]] = []  # what the provider was asked to send: (to, text)


class TextLineSettingsForm(ChannelSettingsForm):
    sender = forms.CharField(max_length=20, label="Sender number")
    signing_key = forms.CharField(max_length=100, label="Signing key")


class TextLineChannel(Channel):
    kind = KIND
    label = "Text line"
    icon = "phone"
    pick = ("A text line", "Text messages through the made-up provider")
    address_kind = "phone"
    settings_form = TextLineSettingsForm
    settings_tab = SettingsTab(
        label="Text line settings",
        template="inboxes/settings/channel.html",  # the shared page: no template of its own
        noun="text line",
        pointer="The sender number and signing key",
    )
    composer = Composer(max_length=480, segment_length=160, hint="Sent as a text: plain text")
    takes_webhooks = True
    url_prefix = "textline"

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        sender = str(values.get("sender") or "").strip()
        if not sender.startswith("+"):
            raise ValidationFailed("the sender number must start with + and the country code")
        return {"sender": sender, "signing_key": str(values.get("signing_key") or "")}

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        return {}

    def inbound_urls(self) -> list[Any]:
        return [path("status", lambda request: HttpResponse("text line up"), name="tl_status")]

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        key = str(inbox.setting("signing_key", "")).encode()
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        given = request.headers.get("X-Textline-Signature", "")
        if not hmac.compare_digest(expected, given):
            raise InboundRefused("the signature does not match the body")

    def parse(self, request: HttpRequest, inbox: Inbox, body: bytes) -> list[InboundMessage]:
        try:
            events = json.loads(body)["messages"]
            return [
                InboundMessage(
                    sender=Sender(
                        self.address_kind, normalize_address(self.address_kind, e["from"])
                    ),
                    text=e["text"],
                    external_id=e["id"],
                    raw=e,
                )
                for e in events
            ]
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed("expected {messages: [{from, text, id}]}") from None

    def send(self, delivery: Delivery, message: Message) -> str:
        to = message.conversation.customer.phone
        if to.endswith("0000"):
            raise DeliveryError("the provider says the number does not exist", permanent=True)
        SENT.append((to, message.text))
        return f"tl-{message.pk}"


@pytest.fixture
def textline(settings: Any) -> Iterator[None]:
    """Register the channel: one more line in RAPPORT_CHANNELS."""
    settings.RAPPORT_CHANNELS = [*settings.RAPPORT_CHANNELS, f"{__name__}.TextLineChannel"]
    clear_url_caches()  # the URLs are read again, now with the new channel's
    SENT.clear()
    yield
    clear_url_caches()


@pytest.fixture
def inbox(textline: None, admin: User, agent: User) -> Inbox:
    page = logged_in(admin).post(
        "/settings/inboxes/new/textline",
        {"name": "Texts", "sender": "+4930123456", "signing_key": "k3y", "members": [agent.pk]},
    )
    created = Inbox.objects.get(name="Texts")
    assert page.status_code == 302
    assert page["Location"] == f"/settings/inboxes/{created.pk}/textline"
    return created


def signed_post(client: Client, inbox: Inbox, payload: object, key: str = "k3y") -> Any:
    body = json.dumps(payload).encode()
    signature = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/channels/{inbox.kind}/{inbox.public_key}",
        body,
        content_type="application/json",
        HTTP_X_TEXTLINE_SIGNATURE=signature,
    )


def text_from(number: str, text: str, message_id: str) -> dict[str, object]:
    return {"messages": [{"from": number, "text": text, "id": message_id}]}


def test_it_is_offered_and_set_up_on_its_own_settings_page(textline, admin):
    client = logged_in(admin)
    new = client.get("/settings/inboxes/new").content.decode()
    assert 'href="/settings/inboxes/new/textline"' in new
    assert "A text line" in new
    form = client.get("/settings/inboxes/new/textline")
    assert form.status_code == 200
    assert 'name="sender"' in form.content.decode()
    refused = client.post(
        "/settings/inboxes/new/textline", {"name": "T", "sender": "030", "signing_key": "k"}
    )
    assert refused.status_code == 400
    assert "must start with + and the country code" in refused.content.decode()
    assert not Inbox.objects.filter(kind=KIND).exists()


def test_its_settings_tab_saves_and_the_inbox_list_shows_it(inbox, admin):
    client = logged_in(admin)
    tab = client.get(f"/settings/inboxes/{inbox.pk}/textline").content.decode()
    assert 'value="+4930123456"' in tab
    assert "Text line settings" in tab
    assert f"http://127.0.0.1:8000/channels/textline/{inbox.public_key}</code>" in tab
    saved = client.post(
        f"/settings/inboxes/{inbox.pk}/textline", {"sender": "+4930999", "signing_key": "new"}
    )
    assert saved.status_code == 302
    inbox.refresh_from_db()
    assert inbox.config == {"sender": "+4930999", "signing_key": "new"}
    listing = client.get("/settings/inboxes/").content.decode()
    assert "Texts" in listing
    assert "Text line" in listing
    general = client.get(f"/settings/inboxes/{inbox.pk}").content.decode()
    assert f'href="/settings/inboxes/{inbox.pk}/textline"' in general


def test_its_own_public_urls_are_mounted(textline, client):
    assert client.get("/textline/status").content == b"text line up"
    assert reverse("tl_status") == "/textline/status"


def test_a_signed_webhook_becomes_a_message_once(inbox, client):
    first = signed_post(client, inbox, text_from("+49 151 1234 5678", "Where is it?", "m-1"))
    again = signed_post(client, inbox, text_from("+49 151 1234 5678", "Where is it?", "m-1"))

    assert (first.status_code, first.json()) == (200, {"stored": 1})
    assert (again.status_code, again.json()) == (200, {"stored": 0})  # a retried webhook
    conversation = Conversation.objects.get(inbox=inbox)
    assert conversation.customer.phone == "+4915112345678"  # the phone address kind: E.164
    assert [m.text for m in conversation.messages.all()] == ["Where is it?"]


@pytest.mark.parametrize(
    ("key", "body", "status", "error"),
    [
        ("forged", text_from("+4915112345678", "hi", "m-2"), 403, "signature does not match"),
        ("k3y", {"nothing": True}, 400, "expected {messages"),
        ("k3y", text_from("not a number", "hi", "m-3"), 400, "is not a phone number"),
        ("k3y", text_from("+4915112345678", "a\x00b", "m-4"), 400, "text must not contain NUL"),
        ("k3y", text_from("+4915112345678", "\ud800", "m-5"), 400, "lone UTF-16 surrogate"),
    ],
)
def test_forged_and_unreadable_webhooks_are_refused(inbox, client, key, body, status, error):
    response = signed_post(client, inbox, body, key=key)

    assert response.status_code == status
    assert error in response.json()["error"]
    assert not Message.objects.filter(conversation__inbox=inbox).exists()


def test_an_oversized_body_is_refused_before_it_is_read(inbox, client):
    body = b"x" * (TextLineChannel.max_inbound_bytes + 1)
    response = client.post(
        f"/channels/textline/{inbox.public_key}", body, content_type="application/json"
    )
    assert response.status_code == 413


def test_unknown_inboxes_and_kinds_are_not_found(inbox, client, webform_inbox):
    json_type = "application/json"
    assert client.post(f"/channels/textline/{inbox.public_key}x", {}, json_type).status_code == 404
    assert client.post(f"/channels/fax/{inbox.public_key}", {}, json_type).status_code == 404
    assert client.get(f"/channels/textline/{inbox.public_key}").status_code == 405
    # A channel that takes no webhooks has no address here.
    webform = f"/channels/webform/{webform_inbox.public_key}"
    assert client.post(webform, {}, json_type).status_code == 404


def test_the_reply_box_shows_its_limits_and_the_reply_leaves_through_its_send(inbox, client, agent):
    signed_post(client, inbox, text_from("+4915112345678", "Hello?", "m-4"))
    conversation = Conversation.objects.get(inbox=inbox)
    agent_client = logged_in(agent)

    page = agent_client.get(f"/conversations/{conversation.pk}").content.decode()
    assert 'maxlength="480"' in page
    assert 'data-segment-length="160"' in page
    assert "Sent as a text: plain text" in page
    assert 'name="cc"' not in page  # e-mail's extra, not this channel's

    agent_client.post(f"/conversations/{conversation.pk}/reply", {"text": "On its way!"})

    assert SENT == [("+4915112345678", "On its way!")]
    reply = conversation.messages.get(text="On its way!")
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.deliveries.get().external_id == f"tl-{reply.pk}"


def test_a_permanent_send_error_fails_the_reply_with_the_providers_reason(inbox, client, agent):
    signed_post(client, inbox, text_from("+4915110000000", "Hi", "m-5"))
    conversation = Conversation.objects.get(inbox=inbox)

    logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Hello"})

    reply = conversation.messages.get(text="Hello")
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "does not exist" in reply.deliveries.get().last_error


def chatter_handle(address: str) -> str:
    handle = address.strip().lower().removeprefix("@")
    if not handle.isalnum():
        raise ValidationFailed(f"{address[:40]!r} is not a Chatter handle")
    return handle


class ChatterChannel(TextLineChannel):
    """A channel that knows people by an address of its own kind (a messenger's handle)."""

    kind = "chatter"
    label = "Chatter"
    address_kind = "chatter"
    address = AddressKind("chatter", "Chatter handle", "at", chatter_handle)
    url_prefix = ""


@pytest.fixture
def chatter(textline: None, settings: Any, admin: User) -> Inbox:
    settings.RAPPORT_CHANNELS = [*settings.RAPPORT_CHANNELS, f"{__name__}.ChatterChannel"]
    clear_url_caches()
    logged_in(admin).post(
        "/settings/inboxes/new/chatter", {"name": "Chatter", "sender": "+1", "signing_key": "k3y"}
    )
    return Inbox.objects.get(kind="chatter")


def test_a_channel_brings_its_own_kind_of_customer_address(chatter, client, admin):
    response = signed_post(client, chatter, text_from("@Ana", "Hi", "c-1"))
    refused = signed_post(client, chatter, text_from("ana!", "Hi", "c-2"))

    assert response.json() == {"stored": 1}
    assert refused.status_code == 400
    assert "is not a Chatter handle" in refused.json()["error"]
    conversation = Conversation.objects.get(inbox=chatter)
    assert list(conversation.customer.identities.values_list("kind", "address")) == [
        ("chatter", "ana")
    ]
    page = logged_in(admin).get(f"/conversations/{conversation.pk}").content.decode()
    assert 'title="Chatter handle">ana</span>' in page


def test_an_inbox_whose_channel_was_taken_out_still_shows_and_its_replies_fail_plainly(
    inbox, client, agent, admin, settings
):
    signed_post(client, inbox, text_from("+4915112345678", "Hello?", "m-6"))
    conversation = Conversation.objects.get(inbox=inbox)
    settings.RAPPORT_CHANNELS = [p for p in settings.RAPPORT_CHANNELS if "TextLine" not in p]
    clear_url_caches()

    listing = logged_in(admin).get("/settings/inboxes/").content.decode()
    page = logged_in(agent).get(f"/conversations/{conversation.pk}")
    refused = logged_in(agent).post(f"/conversations/{conversation.pk}/reply", {"text": "Hi"})

    assert "Texts" in listing
    assert page.status_code == 200
    assert refused.status_code == 400
    assert "the &#x27;textline&#x27; channel is switched off" in refused.content.decode()
    assert SENT == []
