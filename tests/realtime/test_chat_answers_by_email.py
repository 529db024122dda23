"""A visitor's e-mail answer to an offline chat reply continues the chat conversation.

The chat (or web-form) reply leaves through a real SMTP server; the test answers the mail
it captured as the visitor's mail client would, and feeds that answer to the e-mail
inbox's pipeline (``ingest``, what IMAP, the SMTP listener and the webhooks call).
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from rapport.conversations import actions
from rapport.conversations.models import Conversation, Direction, Message, Status
from rapport.inboxes.adapters.email import listener
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.adapters.email.models import EmailDetails, RawEmail, RawState
from rapport.inboxes.adapters.email.tokens import read_message_id, read_reply_address
from rapport.inboxes.models import Inbox, InboxKind
from tests.email.conftest import SUPPORT, mail
from tests.factories import InboxFactory
from tests.outbox.conftest import SmtpServer, free_port
from tests.realtime.conftest import post_text, receive_until, run, start_visitor, visitor_socket

pytestmark = pytest.mark.django_db(transaction=True)

VISITOR = "olly@mail.example"


@pytest.fixture
def email_inbox(db: None) -> Inbox:
    """The shop's mailbox: the chat's Reply-To address is one of its addresses."""
    return InboxFactory(name="Shop support", kind=InboxKind.EMAIL, config={"addresses": [SUPPORT]})


def leave_email(token: str, email: str = VISITOR, name: str = "Olly Offline") -> None:
    """The widget's offline form: where replies go once the visitor has left."""
    response = Client().post(
        "/chat/v1/contact",
        data=json.dumps({"name": name, "email": email}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content


def offline_chat(chat_inbox: Inbox, reply_to: str = SUPPORT) -> tuple[str, Conversation]:
    """A visitor asked a question, left their e-mail address and closed the tab."""
    chat_inbox.config = {**chat_inbox.config, "reply_to": reply_to}
    chat_inbox.save(update_fields=["config"])
    token = start_visitor(chat_inbox)
    leave_email(token)
    sent = post_text(token, "Do you ship to Norway?", "o-1")
    return token, Conversation.objects.get(pk=sent["conversation_id"])


def answer(
    ours: EmailMessage,
    *,
    sender: str = f"Olly Offline <{VISITOR}>",
    body: str = "Great, then I'll order two.",
    message_id: str = "<answer-1@mail.example>",
    in_reply_to: str | None = None,
) -> bytes:
    """The visitor's mail client answering our mail: to its Reply-To, threaded to it."""
    parent = ours["Message-ID"] if in_reply_to is None else in_reply_to
    text = ours.get_body(("plain",))
    assert text is not None
    quoted = "\r\n".join(f"> {line}" for line in text.get_content().splitlines())
    return mail(
        sender=sender,
        to=str(ours["Reply-To"]),
        subject=f"Re: {ours['Subject']}",
        body=f"{body}\r\n\r\nOn Mon, 2 Jun 2025, Website chat wrote:\r\n{quoted}",
        message_id=message_id,
        headers={"In-Reply-To": parent, "References": parent} if parent else {},
    )


def received(inbox: Inbox, data: bytes) -> RawEmail:
    raw = ingest(inbox, data, source="smtp")
    raw.refresh_from_db()
    assert raw.state == RawState.PROCESSED, raw.error
    return raw


def test_visitor_answer_by_email_continues_the_chat(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    _, conversation = offline_chat(chat_inbox)
    first = actions.send_reply(
        conversation=conversation,
        author=chat_agent,
        text="Yes, we do! Delivery takes 3 days.",
        status_after=Status.RESOLVED,
    )
    [ours] = smtp_server.mailbox.messages
    assert ours["To"] == f"Olly Offline <{VISITOR}>"
    assert ours["Reply-To"] == SUPPORT  # the mailbox does not take plus-addresses
    token = read_message_id(ours["Message-ID"].strip("<>"))
    assert token is not None
    assert (token.inbox_id, token.conversation_id) == (chat_inbox.pk, conversation.pk)

    raw = received(email_inbox, answer(ours))

    message = Message.objects.select_related("email").get(pk=raw.message_id)
    assert message.conversation_id == conversation.pk
    assert (message.inbox_id, message.direction) == (chat_inbox.pk, Direction.INBOUND)
    assert message.text == "Great, then I'll order two."  # our quoted reply folded away
    assert message.email.inbox_id_copy == chat_inbox.pk
    assert message.email.from_address == VISITOR
    assert not Conversation.objects.filter(inbox=email_inbox).exists()
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN  # reopened, as for any customer message
    assert conversation.waiting_since is not None
    assert [m.pk for m in conversation.messages.order_by("pk")][-2:] == [first.pk, message.pk]

    # The agent's next reply reaches the visitor by e-mail again, threaded under their mail.
    actions.send_reply(conversation=conversation, author=chat_agent, text="Ordered!")
    second = smtp_server.mailbox.messages[-1]
    assert len(smtp_server.mailbox.messages) == 2
    assert second["To"] == f"Olly Offline <{VISITOR}>"
    assert second["In-Reply-To"] == "<answer-1@mail.example>"
    assert second["References"] == f"{ours['Message-ID']} <answer-1@mail.example>"


def test_the_answer_shows_in_the_agents_timeline(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    _, conversation = offline_chat(chat_inbox)
    actions.send_reply(conversation=conversation, author=chat_agent, text="Yes, we do!")
    received(email_inbox, answer(smtp_server.mailbox.messages[0]))

    client = Client()
    client.force_login(chat_agent)
    page = client.get(f"/conversations/{conversation.pk}")
    assert page.status_code == 200
    assert "Great, then I&#x27;ll order two." in page.content.decode()


def test_the_answer_reaches_the_visitors_open_widget(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    token, conversation = offline_chat(chat_inbox)
    actions.send_reply(conversation=conversation, author=chat_agent, text="Yes, we do!")
    ours = smtp_server.mailbox.messages[0]
    last_id = conversation.messages.order_by("-pk").values_list("pk", flat=True)[0]

    async def scenario() -> None:
        socket = visitor_socket()
        assert (await socket.connect())[0]
        await socket.send_json_to({"type": "auth", "token": token, "last_id": last_id})
        assert (await socket.receive_json_from())["type"] == "ready"
        await database_sync_to_async(received)(email_inbox, answer(ours))
        frame = await receive_until(socket, lambda f: f["type"] == "message" and f["id"] > last_id)
        assert (frame["from"], frame["text"]) == ("visitor", "Great, then I'll order two.")
        assert frame["conversation_id"] == conversation.pk
        await socket.disconnect()

    run(scenario)


def test_an_answer_to_the_reply_to_token_address_continues_the_chat(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    """A mailbox that takes plus-addresses gets a signed Reply-To; the SMTP listener routes it.

    The visitor's client dropped In-Reply-To and References: the address alone threads it.
    """
    email_inbox.config = {**email_inbox.config, "reply_to_token": True}
    email_inbox.save(update_fields=["config"])
    _, conversation = offline_chat(chat_inbox)
    actions.send_reply(conversation=conversation, author=chat_agent, text="Yes, we do!")
    ours = smtp_server.mailbox.messages[0]
    reply_to = str(ours["Reply-To"])
    token = read_reply_address(reply_to)
    assert token is not None
    assert reply_to.startswith("support+r")
    assert (token.inbox_id, token.conversation_id) == (chat_inbox.pk, conversation.pk)

    port = free_port()
    controller = listener.start_smtp_listener("127.0.0.1", port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(VISITOR, [reply_to], answer(ours, in_reply_to=""))
    finally:
        controller.stop()

    [raw] = RawEmail.objects.filter(inbox=email_inbox)
    assert raw.state == RawState.PROCESSED, raw.error
    assert Message.objects.get(pk=raw.message_id).conversation_id == conversation.pk


def test_web_form_customer_answer_by_email_continues_the_form_conversation(
    webform_inbox, agent, email_inbox, smtp_server: SmtpServer
):
    """The web form's replies come from one of the mailbox's addresses and are answered there."""
    webform_inbox.config = {**webform_inbox.config, "from_email": SUPPORT}
    webform_inbox.save(update_fields=["config"])
    form = {
        "name": "Carol",
        "email": "carol@mail.example",
        "subject": "Broken lamp",
        "message": "The lamp arrived broken.",
        "website": "",
    }
    assert Client().post(f"/f/{webform_inbox.public_key}", form).status_code == 200
    conversation = Conversation.objects.get(inbox=webform_inbox)
    actions.send_reply(conversation=conversation, author=agent, text="A new one is on its way.")
    ours = smtp_server.mailbox.messages[0]
    assert ours["Reply-To"] is None  # answers go to the sender, the mailbox's address
    ours["Reply-To"] = ours["From"]  # where the customer's client sends the answer

    raw = received(email_inbox, answer(ours, sender="Carol <carol@mail.example>"))

    assert Message.objects.get(pk=raw.message_id).conversation_id == conversation.pk
    assert not Conversation.objects.filter(inbox=email_inbox).exists()


# Mail that must never join the chat conversation: each opens a new e-mail conversation.


def chat_and_its_mail(
    chat_inbox: Inbox, agent: Any, smtp: SmtpServer, reply_to: str = SUPPORT
) -> tuple[Conversation, EmailMessage]:
    _, conversation = offline_chat(chat_inbox, reply_to=reply_to)
    actions.send_reply(conversation=conversation, author=agent, text="Yes, we do!")
    return conversation, smtp.mailbox.messages[-1]


def assert_not_attached(conversation: Conversation, email_inbox: Inbox, raw: RawEmail) -> None:
    message = Message.objects.get(pk=raw.message_id)
    assert message.conversation_id != conversation.pk
    assert message.conversation.inbox_id == email_inbox.pk
    assert not conversation.messages.filter(external_id__startswith="email:").exists()


def test_the_same_answer_from_another_sender_does_not_attach(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    conversation, ours = chat_and_its_mail(chat_inbox, chat_agent, smtp_server)
    raw = received(email_inbox, answer(ours, sender="Eve <eve@evil.example>"))
    assert_not_attached(conversation, email_inbox, raw)


def test_a_forged_or_altered_token_does_not_attach(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    conversation, ours = chat_and_its_mail(chat_inbox, chat_agent, smtp_server)
    local, domain = ours["Message-ID"].strip("<>").split("@")
    _, inbox_id, conversation_id, message_id, signature = local.split(".")
    altered = f"<rapport.{inbox_id}.{conversation_id}.{message_id}.{'0' * 20}@{domain}>"
    moved = f"<rapport.{inbox_id}.{int(conversation_id) + 1}.{message_id}.{signature}@{domain}>"
    for number, forged in enumerate([altered, moved]):
        assert read_message_id(forged.strip("<>")) is None
        raw = received(
            email_inbox, answer(ours, in_reply_to=forged, message_id=f"<forged-{number}@x.example>")
        )
        assert_not_attached(conversation, email_inbox, raw)


def test_a_chat_whose_reply_to_is_another_mailbox_does_not_attach(
    chat_inbox, chat_agent, email_inbox, smtp_server: SmtpServer
):
    conversation, ours = chat_and_its_mail(
        chat_inbox, chat_agent, smtp_server, reply_to="sales@shop.example"
    )
    assert ours["Reply-To"] == "sales@shop.example"
    ours.replace_header("Reply-To", SUPPORT)  # the visitor writes to the support mailbox anyway
    raw = received(email_inbox, answer(ours))
    assert_not_attached(conversation, email_inbox, raw)


def test_a_token_of_another_email_inbox_does_not_attach(
    chat_agent, email_inbox, smtp_server: SmtpServer
):
    """The token is genuine, but its conversation lives in an unrelated e-mail inbox."""
    other = InboxFactory(kind=InboxKind.EMAIL, config={"addresses": ["help@other.example"]})
    start = received(other, mail(sender=f"Olly <{VISITOR}>", to="help@other.example"))
    conversation = start.message.conversation
    other.members.add(chat_agent)
    actions.send_reply(conversation=conversation, author=chat_agent, text="Hello from other")
    ours = smtp_server.mailbox.messages[-1]
    assert read_message_id(ours["Message-ID"].strip("<>")) is not None
    ours.replace_header("Reply-To", SUPPORT)
    raw = received(email_inbox, answer(ours, message_id="<answer-other@mail.example>"))
    message = Message.objects.get(pk=raw.message_id)
    assert message.conversation.inbox_id == email_inbox.pk
    assert EmailDetails.objects.filter(message__conversation=conversation).count() == 2
