"""Fixtures for the agent web app: signed-in clients and conversations made through actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import Conversation
from rapport.inboxes.models import Inbox
from tests.conftest import logged_in

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def receive(inbox: Inbox, address: str, *, customer_name: str = "", **content: Any) -> Conversation:
    """A customer writes in, exactly as the web form or the API would store it."""
    content.setdefault("text", "Hello, I need help.")
    message = InboundMessage(sender=Sender("email", address, customer_name), **content)
    received = actions.receive_message(inbox=inbox, message=message)
    return received.message.conversation


@pytest.fixture
def conversation(webform_inbox: Inbox) -> Conversation:
    return receive(
        webform_inbox,
        "carol@mail.example",
        customer_name="Carol Customer",
        subject="Where is my order?",
        text="It has been a week since I ordered the blue scarf.",
    )


@pytest.fixture
def hidden_conversation(other_inbox: Inbox) -> Conversation:
    return receive(other_inbox, "dave@mail.example", customer_name="Dave", subject="Bulk order")


@pytest.fixture
def agent_client(agent: User) -> Client:
    return logged_in(agent)


@pytest.fixture
def admin_client(admin: User) -> Client:
    return logged_in(admin)


@pytest.fixture
def light_client(light_seat: User) -> Client:
    return logged_in(light_seat)


@pytest.fixture
def htmx() -> dict[str, str]:
    """Extra headers that make a test-client request look like htmx made it."""
    return {"HTTP_HX_REQUEST": "true"}
