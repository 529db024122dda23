"""Fixtures for canned replies: a conversation the agent may see, one they may not, and
canned replies for all inboxes, for the agent's inbox and for another inbox."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.conversations.models import Conversation
from rapport.customers.models import Company
from rapport.inboxes.models import Inbox
from rapport.replies import actions
from rapport.replies.models import CannedReply
from tests.conftest import logged_in

# The web tests' fixtures, shared: staff, clients and an inbox the agent is not in.
from tests.web.conftest import (  # noqa: F401
    admin_client,
    agent_client,
    hidden_conversation,
    receive,
)


@pytest.fixture
def conversation(webform_inbox: Inbox) -> Conversation:
    """Carol's question in the web-form inbox, of which the agent is a member."""
    conversation = receive(
        webform_inbox,
        "carol@mail.example",
        customer_name="Carol Customer",
        subject="Where is my order?",
        text="It has been a week since I ordered the blue scarf.",
    )
    customer = conversation.customer
    customer.company = Company.objects.create(name="Scarves & Co")
    customer.save()
    return conversation


@pytest.fixture
def everywhere(admin: User) -> CannedReply:
    """A canned reply for all inboxes."""
    return actions.create_canned_reply(
        actor=admin,
        shortcut="thanks",
        title="Thanks for waiting",
        text="Hi {{ customer.first_name }}, thanks for waiting. — {{ agent.first_name }}",
    )


@pytest.fixture
def for_support(admin: User, webform_inbox: Inbox) -> CannedReply:
    """A canned reply of the agent's web-form inbox."""
    return actions.create_canned_reply(
        actor=admin,
        shortcut="shipping",
        title="Shipping times",
        text="Orders from {{ inbox.name }} ship within 2 days (#{{ conversation.number }}).",
        inbox=webform_inbox,
    )


@pytest.fixture
def for_wholesale(admin: User, other_inbox: Inbox) -> CannedReply:
    """A canned reply of an inbox the agent is not in."""
    return actions.create_canned_reply(
        actor=admin,
        shortcut="bulk",
        title="Bulk prices",
        text="Our wholesale price list is attached.",
        inbox=other_inbox,
    )


@pytest.fixture
def supervisor_client(supervisor: User) -> Client:
    return logged_in(supervisor)
