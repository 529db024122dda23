"""Fixtures for canned replies: a conversation the agent may see, one they may not, and
canned replies for all inboxes, for the agent's inbox and for another inbox."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import Role, User
from rapport.conversations.models import Conversation
from rapport.customers.models import Company
from rapport.inboxes.models import Inbox, InboxKind
from rapport.replies import actions
from rapport.replies.models import CannedReply
from tests.conftest import logged_in
from tests.factories import InboxFactory, UserFactory
from tests.web.conftest import receive


@pytest.fixture
def supervisor(db: None) -> User:
    return UserFactory(email="sam@shop.example", name="Sam Supervisor", role=Role.SUPERVISOR)


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
def other_inbox(db: None) -> Inbox:
    """An inbox the ``agent`` fixture is not a member of."""
    return InboxFactory(name="Wholesale", kind=InboxKind.WEBFORM)


@pytest.fixture
def hidden_conversation(other_inbox: Inbox) -> Conversation:
    return receive(other_inbox, "dave@mail.example", customer_name="Dave", subject="Bulk order")


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
def agent_client(agent: User) -> Client:
    return logged_in(agent)


@pytest.fixture
def admin_client(admin: User) -> Client:
    return logged_in(admin)


@pytest.fixture
def supervisor_client(supervisor: User) -> Client:
    return logged_in(supervisor)
