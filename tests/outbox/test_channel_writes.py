"""The actions channels call instead of writing messages, deliveries and customers
themselves: e-mail's acknowledgement, a bounce, the chat's pre-chat form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.events import DeliveryFailed, ReplyQueued
from rapport.conversations.models import DeliveryStatus, Direction
from rapport.core import events
from rapport.customers.actions import set_contact_details
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery, DeliveryKind, DeliveryState
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """The events dispatched after commit, in order."""
    seen: list[events.Event] = []
    monkeypatch.setattr(events, "dispatch", seen.append)
    return seen


def test_an_automatic_reply_is_queued_and_published_but_is_no_response(
    published, django_capture_on_commit_callbacks
):
    conversation = ConversationFactory(waiting_since=timezone.now() - timedelta(hours=1))
    waiting_since = conversation.waiting_since

    with django_capture_on_commit_callbacks(execute=True):
        message = actions.send_automatic_reply(conversation=conversation, text="We got it.")

    conversation.refresh_from_db()
    assert (message.direction, message.author, message.text) == (
        Direction.OUTBOUND,
        None,
        "We got it.",
    )
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert Delivery.objects.get(message=message).kind == DeliveryKind.REPLY
    assert (conversation.first_response_at, conversation.waiting_since) == (None, waiting_since)
    assert published == [
        ReplyQueued(
            message_id=message.pk, conversation_id=conversation.pk, inbox_id=conversation.inbox_id
        )
    ]


def test_a_bounce_fails_the_message_and_each_of_its_deliveries(
    published, django_capture_on_commit_callbacks
):
    now = timezone.now()
    message = MessageFactory(direction=Direction.OUTBOUND, delivery_status=DeliveryStatus.SENT)
    sent = [
        Delivery.objects.create(
            kind=DeliveryKind.REPLY, message=message, state=DeliveryState.SENT, next_attempt_at=now
        )
        for _ in range(2)
    ]
    other = MessageFactory(direction=Direction.OUTBOUND, delivery_status=DeliveryStatus.SENT)

    with django_capture_on_commit_callbacks(execute=True):
        outbox.fail_after_bounce(message_id=message.pk, reason="bounced: 5.1.1 no such user")

    message.refresh_from_db()
    other.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == (
        DeliveryStatus.FAILED, "bounced: 5.1.1 no such user",
    )  # fmt: skip
    assert other.delivery_status == DeliveryStatus.SENT
    assert {d.state for d in Delivery.objects.filter(message=message)} == {DeliveryState.FAILED}
    assert published == [DeliveryFailed(delivery_id=d.pk, message_id=message.pk) for d in sent]


def test_contact_details_fill_only_what_is_empty_unless_overwritten():
    customer = CustomerFactory(name="Kim Official", email="")

    set_contact_details(customer=customer, name="kimmy", email="kim@mail.example", overwrite=False)
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Kim Official", "kim@mail.example")

    set_contact_details(customer=customer, name="Kim", email="k@mail.example", overwrite=True)
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("Kim", "k@mail.example")
