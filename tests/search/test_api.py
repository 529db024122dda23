"""GET /api/v1/search: the parameters, the answer, and every bad input a clear 400."""

from __future__ import annotations

import pytest

from rapport.accounts.models import User
from rapport.conversations.actions import set_tags
from rapport.customers.actions import create_customer
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api, error_of
from tests.search.helpers import receive

pytestmark = pytest.mark.django_db


def test_search_answers_messages_customers_and_a_cursor(admin: User, webform_inbox: Inbox):
    for n in range(3):
        receive(webform_inbox, f"toaster broke {n}", email=f"t{n}@example.com", name="Toni")
    create_customer(actor=admin, name="Toaster Fan", email="fan@example.com")
    api = Api(admin)

    first = api.get("/search", q="toaster", limit=2).json()
    rest = api.get("/search", q="toaster", limit=2, cursor=first["next_cursor"]).json()

    assert [m["snippet"] for m in first["messages"]] == [
        "<mark>toaster</mark> broke 2",
        "<mark>toaster</mark> broke 1",
    ]
    assert first["messages"][0]["inbox"] == {"id": webform_inbox.pk, "name": "Support"}
    assert first["messages"][0]["direction"] == "in"
    assert [c["name"] for c in first["customers"]] == ["Toaster Fan"]
    assert [m["snippet"] for m in rest["messages"]] == ["<mark>toaster</mark> broke 0"]
    assert rest["customers"] == []
    assert rest["next_cursor"] is None


def test_parameters_filter_like_the_operators(admin: User, webform_inbox: Inbox):
    tagged = receive(webform_inbox, "mixer question", email="m1@example.com")
    receive(webform_inbox, "mixer again", email="m2@example.com")
    set_tags(conversation=tagged.conversation, actor=admin, names=["vip"])
    api = Api(admin)

    by_parameter = api.get("/search", q="mixer", tag="vip", status="open").json()
    by_operator = api.get("/search", q="mixer tag:vip status:open").json()

    assert by_parameter == by_operator
    assert [m["message_id"] for m in by_parameter["messages"]] == [tagged.pk]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": "x" * 501}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "!!!"}, "nothing to search for"),
        ({"q": "x", "status": "asleep"}, "status"),
        ({"q": "x", "cursor": "zzz"}, "cursor is not valid"),
        ({"q": "x", "cursor": "m1²"}, "cursor is not valid"),  # a digit, but not 0-9
        ({"q": "x inbox:1²"}, "no inbox you can see"),
        ({"q": "x", "sort": "oldest"}, "sort"),
        ({"q": "x", "after": "soon"}, "after"),
        ({"q": "x", "before": "0"}, "YYYY-MM-DD"),  # pydantic read it as 1 January 1970
        ({"q": "x", "channel": "fax"}, "channel: is one of"),
        ({"q": "x", "colour": "red"}, "unknown query parameter 'colour'"),
        ({"q": "x", "inbox": "Nowhere"}, "no inbox you can see"),
    ],
)
def test_bad_input_is_a_400_that_says_why(admin: User, webform_inbox: Inbox, params, says):
    response = Api(admin).get("/search", **params)

    assert response.status_code == 400
    assert says in str(error_of(response))


def test_search_is_in_the_openapi_document(admin: User):
    document = Api(admin).client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/v1/search"]["get"]

    names = {p["name"] for p in operation["parameters"]}
    assert {
        "q",
        "status",
        "inbox",
        "channel",
        "assignee",
        "team",
        "tag",
        "after",
        "before",
        "sort",
        "cursor",
        "limit",
        "notes",
    } <= names
    assert {"200", "400", "401"} <= set(operation["responses"])
    assert "from:" in next(p for p in operation["parameters"] if p["name"] == "q")["description"]


def test_any_registered_channel_is_a_filter(admin: User, webform_inbox: Inbox):
    # The channels come from the registry (RAPPORT_CHANNELS), not a fixed list.
    for kind in ("sms", "whatsapp_twilio", "email"):
        assert Api(admin).get("/search", q="x", channel=kind).status_code == 200, kind
