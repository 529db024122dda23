"""The permission matrix: who may read and change a conversation (and its customer).

The conversation lives in the web-form inbox. The agent and the light seat are members;
the outsider is an agent in no inbox. What an agent may not see is 404, never 403, so the
API does not reveal that it exists; what they may see but not do is 403 with a reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse

from rapport.accounts.models import User
from rapport.conversations import actions
from rapport.conversations.models import Conversation
from tests.api.conftest import Api, error_of

pytestmark = pytest.mark.django_db

ROLES = ["admin", "supervisor", "member", "non_member", "light_seat", "mentioned_non_member"]

ALLOWED = {
    "read": 200,
    "list": "listed",
    "reply": 201,
    "note": 201,
    "assign": 200,
    "status": 200,
    "customer": 200,
}
HIDDEN = {
    "read": 404,
    "list": "not listed",
    "reply": 404,
    "note": 404,
    "assign": 404,
    "status": 404,
    "customer": 404,
}
MATRIX: dict[str, dict[str, int | str]] = {
    "admin": ALLOWED,
    "supervisor": ALLOWED,
    "member": ALLOWED,
    "non_member": HIDDEN,
    "light_seat": ALLOWED | {"reply": 403, "assign": 403, "status": 403},
    # Staff mentioned in a note may read the conversation and answer with notes, nothing
    # more; the inbox list and the customer stay out of their reach.
    "mentioned_non_member": ALLOWED
    | {"list": "not listed", "reply": 403, "assign": 403, "status": 403, "customer": 404},
}
CASES = [(role, action, MATRIX[role][action]) for role in ROLES for action in ALLOWED]


@pytest.fixture
def people(admin, supervisor, agent, outsider, light_seat, conversation) -> dict[str, User]:
    mentioned = User.objects.create_user("mo@shop.example", "pw", name="Mo Mentioned")
    actions.add_note(conversation=conversation, author=agent, text="@mo please have a look")
    return {
        "admin": admin,
        "supervisor": supervisor,
        "member": agent,
        "non_member": outsider,
        "light_seat": light_seat,
        "mentioned_non_member": mentioned,
    }


def attempt(api: Api, action: str, conversation: Conversation, member: User) -> HttpResponse:
    path = f"/conversations/{conversation.pk}"
    requests: dict[str, Any] = {
        "read": lambda: api.get(path),
        "list": lambda: api.get("/conversations"),
        "reply": lambda: api.post(f"{path}/messages", {"text": "Thanks for waiting."}),
        "note": lambda: api.post(f"{path}/notes", {"text": "Checked the warehouse."}),
        "assign": lambda: api.post(f"{path}/assignment", {"assignee_id": member.pk}),
        "status": lambda: api.post(f"{path}/status", {"status": "pending"}),
        "customer": lambda: api.get(f"/customers/{conversation.customer_id}"),
    }
    return requests[action]()


@pytest.mark.parametrize(("role", "action", "expected"), CASES)
def test_permission_matrix(people, conversation, role, action, expected):
    response = attempt(Api(people[role]), action, conversation, people["member"])

    if action == "list":
        ids = [row["id"] for row in response.json()["items"]]
        assert response.status_code == 200
        assert ("listed" if conversation.pk in ids else "not listed") == expected
        return
    assert response.status_code == expected, response.content
    if expected == 404:
        assert error_of(response)["code"] == "not_found"
        assert "conversation" in error_of(response)["message"] or action == "customer"
    if expected == 403:
        assert error_of(response)["code"] == "forbidden"


def test_light_seat_is_told_why_it_cannot_reply(light_seat, conversation):
    response = Api(light_seat).post(f"/conversations/{conversation.pk}/messages", {"text": "Hello"})

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "a light seat can add internal notes but cannot reply to customers",
    }
    assert conversation.messages.count() == 0


def test_not_found_looks_the_same_whether_or_not_it_exists(outsider, conversation):
    api = Api(outsider)

    hidden = api.get(f"/conversations/{conversation.pk}")
    missing = api.get("/conversations/999999")

    assert error_of(hidden) == {
        "code": "not_found",
        "message": f"conversation {conversation.pk} not found",
    }
    assert error_of(missing) == {"code": "not_found", "message": "conversation 999999 not found"}


def test_non_members_cannot_post_into_an_api_inbox(outsider, api_inbox):
    response = Api(outsider).post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "x@mail.example"}, "text": "hi"},
    )

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": f"inbox {api_inbox.pk} not found"}


def test_light_seats_cannot_post_customer_messages(light_seat, api_inbox):
    api_inbox.members.add(light_seat)

    response = Api(light_seat).post(
        f"/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "x@mail.example"}, "text": "hi"},
    )

    assert response.status_code == 403
    assert error_of(response)["message"] == "a light seat cannot post customer messages"
