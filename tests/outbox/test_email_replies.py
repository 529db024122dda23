"""Web-form conversations: the agent's reply reaches the customer through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes.adapters.email.tokens import message_id_for
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryState

pytestmark = pytest.mark.django_db(transaction=True)


def submit_form(inbox, **fields) -> Conversation:
    data = {
        "name": "Carol Customer",
        "email": "carol@mail.example",
        "subject": "Broken lamp",
        "message": "The lamp arrived broken.",
        "website": "",
    }
    data.update(fields)
    response = Client().post(f"/f/{inbox.public_key}", data)
    assert response.status_code == 200, response.content
    return Conversation.objects.get(customer__email="carol@mail.example")


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )


def test_reply_to_web_form_arrives_by_email_with_threading_headers(
    webform_inbox, agent, smtp_server
):
    conversation = submit_form(webform_inbox)
    reply = actions.send_reply(
        conversation=conversation, author=agent, text="We'll send a new one today."
    )

    assert len(smtp_server.mailbox.messages) == 1
    mail = smtp_server.mailbox.messages[0]
    assert mail["To"] == "Carol Customer <carol@mail.example>"
    assert mail["Subject"] == f"Re: Broken lamp [#{conversation.pk}]"
    signed = message_id_for(
        inbox_id=webform_inbox.pk,
        conversation_id=conversation.pk,
        message_id=reply.pk,
        domain="rapport.localhost",
    )
    assert mail["Message-ID"] == f"<{signed}>"
    assert "We'll send a new one today." in mail.get_content()
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["carol@mail.example"]
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    delivery = reply.deliveries.get()
    assert (delivery.state, delivery.attempts, delivery.external_id) == (
        DeliveryState.SENT,
        1,
        mail["Message-ID"],
    )


def test_smtp_down_is_retried_and_then_delivered(webform_inbox, agent, smtp_server):
    conversation = submit_form(webform_inbox)
    smtp_server.stop()
    reply = actions.send_reply(conversation=conversation, author=agent, text="Sorry about that!")

    delivery = reply.deliveries.get()
    reply.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.QUEUED, 1)
    assert reply.delivery_status == DeliveryStatus.QUEUED
    assert reply.delivery_error == (
        f"The mail server at 127.0.0.1:{smtp_server.port} refused the connection — retrying in 30 s"
    )
    assert delivery.next_attempt_at > timezone.now()

    outbox.sweep()  # not due yet: nothing happens
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1

    smtp_server.start()
    make_due(delivery)
    assert outbox.sweep() == 1
    delivery.refresh_from_db()
    reply.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 2)
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_final_failure_is_visible_on_the_message_and_can_be_retried(
    webform_inbox, agent, smtp_server
):
    conversation = submit_form(webform_inbox)
    smtp_server.stop()
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello again")
    delivery = reply.deliveries.get()
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        make_due(delivery)
        outbox.sweep()
    delivery.refresh_from_db()
    reply.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, outbox.MAX_ATTEMPTS)
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert (
        reply.delivery_error
        == f"The mail server at 127.0.0.1:{smtp_server.port} refused the connection"
    )

    smtp_server.start()
    outbox.retry(delivery)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_permanent_rejection_is_not_retried(webform_inbox, agent, smtp_server):
    conversation = submit_form(webform_inbox)
    smtp_server.mailbox.reject_with = "550 5.1.1 mailbox unavailable"
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 1)
    assert "550" in delivery.last_error


def test_a_crashed_send_is_picked_up_by_the_sweep(webform_inbox, agent, smtp_server):
    """A worker died after claiming the row: once the claim expires the sweep sends it."""
    conversation = submit_form(webform_inbox)
    smtp_server.stop()
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    smtp_server.start()
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.sweep() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(smtp_server.mailbox.messages) == 1


def test_a_claimed_delivery_is_not_sent_twice(webform_inbox, agent, smtp_server):
    conversation = submit_form(webform_inbox)
    reply = actions.send_reply(conversation=conversation, author=agent, text="Once")
    delivery = reply.deliveries.get()
    outbox.deliver(delivery.pk)  # already sent: a second run is a no-op
    outbox.deliver(delivery.pk)
    assert len(smtp_server.mailbox.messages) == 1


def test_crlf_in_customer_name_cannot_inject_headers(webform_inbox, agent, smtp_server):
    conversation = submit_form(webform_inbox, name="Eve\r\nBcc: victim@evil.example")
    actions.send_reply(conversation=conversation, author=agent, text="Hi")
    mail = smtp_server.mailbox.messages[0]
    assert mail["Bcc"] is None
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["carol@mail.example"]


def test_mentioned_staff_get_an_email(webform_inbox, agent, light_seat, smtp_server):
    conversation = submit_form(webform_inbox)
    actions.add_note(conversation=conversation, author=agent, text="@lee can you check the stock?")
    [mail] = smtp_server.mailbox.messages
    assert mail["To"] == "lee@shop.example"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert f"/conversations/{conversation.pk}" in mail.get_content()
    assert Message.objects.get(conversation=conversation, direction="note").mentions.count() == 1
