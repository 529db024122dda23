"""An agent of inbox A never sees B's results, snippets or counts; a light seat only the
conversations it was pulled into — through the selectors and the API alike."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.accounts.models import User
from rapport.conversations.actions import add_note
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api
from tests.search.helpers import customers_found, found, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_inboxes(admin: User, webform_inbox: Inbox, other_inbox: Inbox) -> dict[str, Any]:
    mine = receive(webform_inbox, "secret plan alpha in mine", email="a@example.com", name="Ann")
    theirs = receive(other_inbox, "secret plan omega wholesale", email="w@example.com", name="Wu")
    return {"mine": mine, "theirs": theirs}


def test_an_agent_finds_only_their_inboxes(agent: User, admin: User, two_inboxes):
    assert found(agent, "secret plan") == ["secret plan alpha in mine"]
    assert found(agent, "omega") == []
    assert found(admin, "secret plan") == [
        "secret plan omega wholesale",
        "secret plan alpha in mine",
    ]


def test_filters_and_operators_do_not_reach_past_visibility(agent: User, two_inboxes):
    assert found(agent, "from:wu") == []
    assert found(agent, "channel:webform") == ["secret plan alpha in mine"]
    assert customers_found(agent, "wu") == []
    assert customers_found(agent, "w@example.com") == []
    assert customers_found(agent, "ann") == ["Ann"]


def test_an_agent_cannot_name_an_inbox_they_do_not_see(agent: User, two_inboxes):
    api = Api(agent)
    hidden = api.get("/search", q="plan", inbox="Wholesale")
    missing = api.get("/search", q="plan", inbox="Nowhere")

    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["error"]["message"].replace("Wholesale", "X") == missing.json()["error"][
        "message"
    ].replace("Nowhere", "X")


def test_an_outsider_finds_nothing(outsider: User, two_inboxes):
    assert found(outsider, "secret") == []
    assert customers_found(outsider, "ann") == []


def test_a_light_seat_finds_only_conversations_it_was_pulled_into(
    admin: User, other_inbox: Inbox, two_inboxes
):
    from tests.factories import UserFactory

    light = UserFactory(email="pat@shop.example", name="Pat Light", role="light")
    assert found(light, "secret") == []

    add_note(conversation=two_inboxes["theirs"].conversation, author=admin, text="ask @pat")

    assert found(light, "secret") == ["secret plan omega wholesale"]


def test_the_api_shows_the_same_boundary(agent: User, two_inboxes):
    body = Api(agent).get("/search", q="secret").json()

    assert [m["snippet"] for m in body["messages"]] == ["<mark>secret</mark> plan alpha in mine"]
    assert body["next_cursor"] is None
    assert "omega" not in str(body)
    assert "Wu" not in str(body)
