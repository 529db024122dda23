"""The widget's HTTP endpoints: sessions, identity verification, limits, files, e-mail fallback."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.conversations import actions
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.customers.models import Customer, Identity, IdentityKind
from rapport.inboxes.adapters.chat import limits
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.tokens import user_hash
from rapport.inboxes.adapters.email.tokens import message_id_for
from rapport.realtime import presence
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory
from tests.realtime.conftest import SECRET, post_text, start_visitor

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def api(method: str, path: str, token: str = "", body: object = None, **extra: str):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    call = getattr(Client(), method)
    if body is None:
        return call(f"/chat/v1/{path}", **headers, **extra)
    return call(
        f"/chat/v1/{path}",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
        **extra,
    )


def signed_id(inbox, conversation_id: int, message_id: int) -> str:
    """The e-mail channel's signed Message-ID, so the visitor's answer threads back."""
    signed = message_id_for(
        inbox_id=inbox.pk,
        conversation_id=conversation_id,
        message_id=message_id,
        domain="rapport.localhost",
    )
    return f"<{signed}>"


def history(token: str) -> list[dict]:
    response = api("get", "messages", token)
    assert response.status_code == 200
    return list(response.json()["messages"])


def test_widget_config_is_public_and_cors_enabled(chat_inbox):
    response = api(
        "get", f"inboxes/{chat_inbox.public_key}/widget", HTTP_ORIGIN="https://shop.example"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    config = response.json()
    assert (config["color"], config["greeting"], config["online"]) == (
        "#0f766e",
        "Hi! How can we help?",
        False,
    )
    preflight = Client().options("/chat/v1/messages", HTTP_ORIGIN="https://shop.example")
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert api("get", "inboxes/nope/widget").status_code == 404


def test_a_message_opens_a_conversation_and_a_retry_is_stored_once(chat_inbox):
    token = start_visitor(chat_inbox)
    first = post_text(token, "Is the blue one in stock?", "msg-1")
    again = post_text(token, "Is the blue one in stock?", "msg-1")
    assert first["id"] == again["id"]
    conversation = Conversation.objects.get()
    identity = conversation.customer.identities.get()
    assert identity.kind == IdentityKind.VISITOR
    assert [m["text"] for m in history(token)] == ["Is the blue one in stock?"]


def test_history_never_contains_notes_or_other_visitors(chat_inbox, chat_agent):
    alice, bob = start_visitor(chat_inbox), start_visitor(chat_inbox)
    conversation_id = post_text(alice, "hello from alice", "a")["conversation_id"]
    conversation = Conversation.objects.get(pk=conversation_id)
    actions.add_note(conversation=conversation, author=chat_agent, text="VIP, be nice")
    actions.send_reply(conversation=conversation, author=chat_agent, text="Hi Alice!")
    assert [m["text"] for m in history(alice)] == ["hello from alice", "Hi Alice!"]
    assert history(bob) == []


def test_verified_user_joins_the_customer_with_that_id(chat_inbox):
    body = {"user_id": "42", "user_hash": user_hash(SECRET, "42")}
    first, second = start_visitor(chat_inbox, **body), start_visitor(chat_inbox, **body)
    post_text(first, "from my laptop", "l-1")
    assert [m["text"] for m in history(second)] == ["from my laptop"]  # the phone sees it too


def test_verified_email_user_id_merges_into_the_existing_customer(chat_inbox):
    known = CustomerFactory(email="kim@mail.example", name="Kim Known")
    body = {"user_id": "kim@mail.example", "user_hash": user_hash(SECRET, "kim@mail.example")}
    token = start_visitor(chat_inbox, **body)
    post_text(token, "it's me, Kim", "k-1")
    assert Conversation.objects.get().customer == known


def test_forged_identity_hash_is_refused(chat_inbox):
    forged = {"user_id": "42", "user_hash": user_hash("guessed-secret", "42")}
    response = api("post", f"inboxes/{chat_inbox.public_key}/sessions", body=forged)
    assert response.status_code == 403
    assert response.json()["error"] == "the identity hash does not match this user"
    odd = {"user_id": "42", "user_hash": "ü" * 64}
    assert api("post", f"inboxes/{chat_inbox.public_key}/sessions", body=odd).status_code == 403


def test_identity_without_a_configured_secret_is_refused(chat_inbox):
    chat_inbox.config = {}
    chat_inbox.save()
    body = {"user_id": "42", "user_hash": user_hash("", "42")}
    response = api("post", f"inboxes/{chat_inbox.public_key}/sessions", body=body)
    assert response.status_code == 403


def test_a_claimed_email_never_reveals_that_customers_history(chat_inbox, chat_agent):
    victim = CustomerFactory(email="vip@mail.example", name="Vera Victim")
    conversation = ConversationFactory(inbox=chat_inbox, customer=victim)
    MessageFactory(conversation=conversation, text="my card ends in 4242")
    token = start_visitor(chat_inbox)
    response = api("post", "contact", token, body={"name": "Vera", "email": "VIP@mail.example"})
    assert response.status_code == 200
    assert history(token) == []
    post_text(token, "show me my orders", "m-1")
    mine = Conversation.objects.exclude(pk=conversation.pk).get()
    assert mine.customer != victim
    assert mine.customer.email == "vip@mail.example"  # where replies may go: unverified contact
    assert not Identity.objects.filter(customer=mine.customer, kind=IdentityKind.EMAIL).exists()


def test_messages_are_rate_limited_per_visitor_with_a_clear_message(chat_inbox, monkeypatch):
    monkeypatch.setattr(limits, "MESSAGES_PER_VISITOR", (3, 60))
    token = start_visitor(chat_inbox)
    for n in range(3):
        post_text(token, f"spam {n}", f"s-{n}")
    response = api("post", "messages", token, body={"text": "one more", "client_id": "s-9"})
    assert response.status_code == 429
    assert response.json()["error"].startswith("You are sending messages too quickly")
    assert 0 < int(response["Retry-After"]) <= 60


def test_new_conversations_are_rate_limited_per_ip(chat_inbox):
    chat_inbox.config["conversations_per_ip_hour"] = 2
    chat_inbox.save()
    for n in range(2):
        post_text(start_visitor(chat_inbox), "hi", f"c-{n}")
    response = api(
        "post", "messages", start_visitor(chat_inbox), body={"text": "hi", "client_id": "x"}
    )
    assert response.status_code == 429
    assert "too many conversations" in response.json()["error"]
    assert 0 < int(response["Retry-After"]) <= 3600


def test_oversized_and_malformed_messages_are_refused(chat_inbox):
    token = start_visitor(chat_inbox)
    long_text = "x" * (limits.MAX_MESSAGE_CHARS + 1)
    too_long = api("post", "messages", token, body={"text": long_text, "client_id": "l"})
    assert too_long.status_code == 400
    assert api("post", "messages", token, body={"text": "  ", "client_id": "e"}).status_code == 400
    bad_json = Client().post(
        "/chat/v1/messages",
        data="{",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert (bad_json.status_code, bad_json.json()["error"]) == (
        400,
        "the request body is not valid JSON",
    )
    assert (
        api("post", "messages", "forged", body={"text": "hi", "client_id": "f"}).status_code == 403
    )
    assert api("get", "messages").status_code == 403


def test_image_attachment_is_stored_and_served_safely(chat_inbox):
    token = start_visitor(chat_inbox)
    upload = SimpleUploadedFile("<b>cat</b>.png", PNG, content_type="text/html")
    response = Client().post(
        "/chat/v1/attachments",
        {"file": upload, "client_id": "f-1"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    file = response.json()["message"]["attachments"][0]
    assert (file["type"], file["image"]) == ("image/png", True)
    served = Client().get(file["url"])
    assert served["Content-Type"] == "image/png"  # sniffed from the bytes, not the claim
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert Client().get(file["url"][:-3] + "xyz").status_code == 404


def test_allowed_origins_keep_other_sites_out(chat_inbox):
    chat_inbox.config["allowed_origins"] = ["https://shop.example"]
    chat_inbox.save()
    path = f"inboxes/{chat_inbox.public_key}/widget"
    assert api("get", path, HTTP_ORIGIN="https://shop.example").status_code == 200
    assert api("get", path, HTTP_ORIGIN="https://copycat.example").status_code == 403


def test_business_hours_decide_availability(chat_inbox):
    chat_inbox.config["hours"] = {"mon": [["09:00", "17:00"]], "tue": [["bad"]]}
    chat_inbox.config["timezone"] = "Europe/Berlin"
    config = chat_settings(chat_inbox)
    berlin = ZoneInfo("Europe/Berlin")
    assert config.is_open(datetime(2025, 6, 2, 10, 0, tzinfo=berlin))  # a Monday
    assert not config.is_open(datetime(2025, 6, 2, 18, 0, tzinfo=berlin))
    assert not config.is_open(datetime(2025, 6, 3, 10, 0, tzinfo=berlin))  # bad span dropped


def test_reply_to_a_visitor_who_left_goes_by_email(chat_inbox, chat_agent, smtp_server):
    chat_inbox.config["reply_to"] = "support@shop.example"
    chat_inbox.save()
    token = start_visitor(chat_inbox)
    api("post", "contact", token, body={"name": "Olly Offline", "email": "olly@mail.example"})
    conversation_id = post_text(token, "Do you ship to Norway?", "o-1")["conversation_id"]
    conversation = Conversation.objects.get(pk=conversation_id)
    first = actions.send_reply(conversation=conversation, author=chat_agent, text="Yes, we do!")
    second = actions.send_reply(conversation=conversation, author=chat_agent, text="In 3 days.")

    mails = smtp_server.mailbox.messages
    assert [m["To"] for m in mails] == ["Olly Offline <olly@mail.example>"] * 2
    assert mails[0]["Message-ID"] == signed_id(chat_inbox, conversation_id, first.pk)
    assert mails[1]["In-Reply-To"] == mails[0]["Message-ID"]
    assert mails[0]["Reply-To"] == "support@shop.example"
    assert "Yes, we do!" in mails[0].get_content()
    second.refresh_from_db()
    assert second.delivery_status == DeliveryStatus.SENT
    assert second.delivery_error == (  # the words under the reply say how it went
        "Sent by e-mail to olly@mail.example: the visitor had left the chat"
    )
    assert second.deliveries.get().external_id == signed_id(chat_inbox, conversation_id, second.pk)


def test_reply_to_a_visitor_who_left_without_an_address_says_so(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    conversation_id = post_text(token, "Do you ship to Norway?", "o-1")["conversation_id"]
    conversation = Conversation.objects.get(pk=conversation_id)

    reply = actions.send_reply(conversation=conversation, author=chat_agent, text="Yes!")

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT  # not "Sending…" for ever
    assert reply.delivery_error == (
        "The visitor has left the chat and gave no e-mail address: they see it when they come back"
    )
    assert [m["text"] for m in history(token)][-1] == "Yes!"  # waiting in the widget


def test_the_note_of_a_reply_that_waited_goes_when_the_visitor_comes_back(chat_inbox, chat_agent):
    from rapport.inboxes.adapters.chat import actions as chat_actions
    from rapport.inboxes.adapters.chat.tokens import read_token

    token = start_visitor(chat_inbox)
    conversation_id = post_text(token, "Do you ship to Norway?", "o-1")["conversation_id"]
    conversation = Conversation.objects.get(pk=conversation_id)
    waited = actions.send_reply(conversation=conversation, author=chat_agent, text="Yes!")
    later = actions.send_reply(conversation=conversation, author=chat_agent, text="In 3 days.")

    # Back in the widget: it reports the first reply shown, then the second one received.
    chat_actions.mark_seen(visitor=read_token(token), message_id=waited.pk, read=True)
    waited.refresh_from_db()
    later.refresh_from_db()
    assert (waited.delivery_status, waited.delivery_error) == (DeliveryStatus.READ, "")
    assert later.delivery_status == DeliveryStatus.SENT  # not seen yet: the note stays
    assert later.delivery_error.startswith("The visitor has left the chat")

    chat_actions.mark_seen(visitor=read_token(token), message_id=later.pk, read=False)
    later.refresh_from_db()
    assert (later.delivery_status, later.delivery_error) == (DeliveryStatus.DELIVERED, "")


def test_reply_to_a_visitor_with_the_widget_open_is_not_emailed(
    chat_inbox, chat_agent, smtp_server
):
    token = start_visitor(chat_inbox)
    api("post", "contact", token, body={"email": "olly@mail.example"})
    sent = post_text(token, "hello", "o-1")
    customer = Customer.objects.get(email="olly@mail.example")
    identity = customer.identities.get()
    from rapport.inboxes.adapters.chat.tokens import visitor_group

    presence.visitor_connected(visitor_group(chat_inbox.pk, identity.kind, identity.address))
    conversation = Conversation.objects.get(pk=sent["conversation_id"])
    reply = actions.send_reply(conversation=conversation, author=chat_agent, text="Hi!")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert smtp_server.mailbox.messages == []


def test_visitor_html_is_inert_in_the_agent_ui(chat_inbox, chat_agent):
    token = start_visitor(chat_inbox)
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    api("post", "contact", token, body={"name": payload, "email": ""})
    sent = post_text(token, payload, "x-1")
    client = Client()
    client.force_login(chat_agent)
    page = client.get(f"/conversations/{sent['conversation_id']}").content.decode()
    assert "<script>alert(2)</script>" not in page
    assert 'onerror="alert(1)"' not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    inbox_page = client.get("/inbox?view=all").content.decode()
    assert "<script>alert(2)" not in inbox_page
    stored = Message.objects.get(pk=sent["id"])
    assert (stored.text, stored.html) == (payload, "")  # kept as plain text, never as markup


def test_the_reply_box_says_where_a_reply_goes_as_the_sending_decides(chat_inbox, chat_agent):
    """In the chat (a widget's socket open), or gone: by e-mail when they left an address,
    else waiting for them in the widget. The same presence the adapter's send checks."""
    from rapport.inboxes.adapters.chat.tokens import visitor_group

    token = start_visitor(chat_inbox)
    sent = post_text(token, "hello", "o-1")
    client = Client()
    client.force_login(chat_agent)

    def says() -> tuple[str, str]:
        page = client.get(f"/conversations/{sent['conversation_id']}").content.decode()
        state = page.split('data-visitor="', 1)[1].split('"', 1)[0]
        return state, page.split('data-visitor="', 1)[1].split("<span>", 1)[1].split("<", 1)[0]

    assert says() == (
        "left",
        "The visitor has left the chat and gave no e-mail address: they see your reply when"
        " they come back",
    )
    api("post", "contact", token, body={"email": "olly@mail.example"})
    assert says() == (
        "left",
        "The visitor has left the chat: your reply also goes by e-mail to olly@mail.example",
    )
    identity = Customer.objects.get(email="olly@mail.example").identities.get()
    group = visitor_group(chat_inbox.pk, identity.kind, identity.address)
    presence.visitor_connected(group)
    assert says() == ("in-chat", "The visitor is in the chat: your reply appears there at once")
    presence.visitor_disconnected(group)
    assert says()[0] == "left"
