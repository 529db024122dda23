"""Hole 4 of issue 21: identities do not cross the visibility boundary.

Dave writes to the Wholesale inbox, which the agent cannot see. Giving a visible customer
Dave's address, or posting a message as Dave into the agent's API inbox, must neither
reveal Dave (the refusal is the same as for any taken address) nor attach him to a
conversation the agent can see.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import Conversation
from rapport.customers.models import Customer
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

REFUSAL = "email dave@mail.example cannot be given to this customer: it is in use"


@pytest.fixture
def dave(other_inbox: Any) -> Customer:
    received = actions.receive_message(
        inbox=other_inbox,
        message=InboundMessage(sender=Sender("email", "dave@mail.example"), text="Bulk?"),
    )
    return received.message.conversation.customer


def test_an_agent_cannot_learn_a_hidden_customer_from_a_changed_email(
    api_as: Any, agent: Any, conversation: Any, dave: Customer
) -> None:
    api = api_as(agent)
    visible = api.get(f"/customers/{conversation.customer_id}").json()
    hidden_owner = api.patch(
        f"/customers/{conversation.customer_id}", {"email": "dave@mail.example"}
    )
    assert hidden_owner.status_code == 409
    assert error_of(hidden_owner) == {"code": "conflict", "message": REFUSAL}
    assert "Dave" not in hidden_owner.content.decode()
    assert api.get(f"/customers/{conversation.customer_id}").json() == visible
    assert api.get(f"/customers/{dave.pk}").status_code == 404


def test_the_refusal_is_the_same_whoever_owns_the_address(
    api_as: Any, agent: Any, webform_inbox: Any, conversation: Any, dave: Customer
) -> None:
    """A visible owner gets the same answer, so the answer tells nothing about visibility."""
    api = api_as(agent)
    hidden = api.patch(f"/customers/{conversation.customer_id}", {"email": "dave@mail.example"})
    dave.conversations.update(inbox=webform_inbox)  # now Dave is visible to the agent
    visible = api.patch(f"/customers/{conversation.customer_id}", {"email": "dave@mail.example"})
    assert (hidden.status_code, hidden.json()) == (visible.status_code, visible.json())


def test_adding_a_hidden_customers_address_as_an_identity_reveals_nothing(
    api_as: Any, agent: Any, conversation: Any, dave: Customer
) -> None:
    response = api_as(agent).post(
        f"/customers/{conversation.customer_id}/identities",
        {"kind": "email", "address": "dave@mail.example"},
    )
    assert response.status_code == 409
    assert error_of(response)["message"] == REFUSAL


def test_posting_as_a_hidden_customer_never_attaches_them(
    api_as: Any, agent: Any, api_inbox: Any, dave: Customer
) -> None:
    api = api_as(agent)
    response = api.post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "dave@mail.example"}, "text": "I am Dave"},
    )
    assert response.status_code == 409
    assert error_of(response)["message"] == REFUSAL
    assert not Conversation.objects.filter(inbox=api_inbox).exists()
    assert api.get(f"/customers/{dave.pk}").status_code == 404
    assert api.get("/customers", q="dave").json()["items"] == []


def test_staff_who_see_every_inbox_still_reach_the_same_customer(
    api_as: Any, admin: Any, api_inbox: Any, dave: Customer
) -> None:
    """Admins and supervisors see Dave anyway: one person, one customer, across channels."""
    response = api_as(admin).post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "dave@mail.example"}, "text": "From the app"},
    )
    assert response.status_code == 201
    assert response.json()["customer_id"] == dave.pk


def test_a_new_address_still_opens_a_conversation_for_an_agent(
    api_as: Any, agent: Any, api_inbox: Any, dave: Customer
) -> None:
    response = api_as(agent).post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "erin@mail.example"}, "text": "Hello"},
    )
    assert response.status_code == 201
    assert response.json()["customer_id"] != dave.pk
