"""Hole 8 of issue 21: the API refuses what its schema refuses, with the reason.

Bodies that are not JSON objects, values of the wrong JSON type (no quiet conversion of
``false`` to 0 or of the number 0 to a date) and query parameters an endpoint does not
take are all a 400 naming what is wrong, never a blank customer or an unfiltered list.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.customers.models import Customer
from rapport.replies.models import CannedReply
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

NOT_OBJECTS = [("42", "a number"), ("[]", "an array"), ('"x"', "a string"), ("null", "null")]


@pytest.fixture
def canned(admin: Any) -> CannedReply:
    return CannedReply.objects.create(shortcut="hi", title="Hello", text="Hello!", created_by=admin)


@pytest.mark.parametrize(("body", "kind"), NOT_OBJECTS)
def test_bodies_that_are_not_objects_are_refused(
    api_as: Any, admin: Any, conversation: Any, canned: CannedReply, body: str, kind: str
) -> None:
    api = api_as(admin)
    customer_id = conversation.customer_id
    calls = [
        ("post", "/customers"),
        ("patch", f"/customers/{customer_id}"),
        ("patch", f"/canned-replies/{canned.pk}"),
        ("post", f"/conversations/{conversation.pk}/assignment"),
    ]
    customers_before = Customer.objects.count()
    for method, path in calls:
        response = api.send(method, path, body)
        assert response.status_code == 400, (method, path, response.content)
        assert (
            error_of(response)["message"] == f"the request body must be a JSON object, not {kind}"
        )
    assert Customer.objects.count() == customers_before


def test_a_boolean_is_not_a_priority(api_as: Any, admin: Any, conversation: Any) -> None:
    response = api_as(admin).post(f"/conversations/{conversation.pk}/priority", {"priority": False})
    assert response.status_code == 400
    assert error_of(response)["message"] == "priority: Input should be a valid integer"
    conversation.refresh_from_db()
    assert conversation.priority == 0


def test_a_number_is_not_a_snooze_time(api_as: Any, admin: Any, conversation: Any) -> None:
    response = api_as(admin).post(
        f"/conversations/{conversation.pk}/status", {"status": "snoozed", "snoozed_until": 0}
    )
    assert response.status_code == 400
    assert error_of(response)["message"].startswith(
        "snoozed_until: must be a date-time in ISO 8601 with a time zone"
    )


@pytest.mark.parametrize(
    ("path", "params", "unknown"),
    [
        ("/conversations", {"inbox": "4"}, "'inbox'"),
        ("/agents", {"inbox": "4"}, "'inbox'"),
        ("/customers", {"query": "bob"}, "'query'"),
        ("/canned-replies", {"conversation": "1"}, "'conversation'"),
    ],
)
def test_unknown_query_parameters_are_named(
    api_as: Any, admin: Any, path: str, params: dict[str, str], unknown: str
) -> None:
    response = api_as(admin).get(path, **params)
    assert response.status_code == 400
    message = error_of(response)["message"]
    assert f"unknown query parameter {unknown}" in message
    assert "takes" in message  # and the ones it does take


def test_unknown_body_fields_are_refused(api_as: Any, admin: Any, conversation: Any) -> None:
    response = api_as(admin).patch(f"/customers/{conversation.customer_id}", {"emial": "a@b.c"})
    assert response.status_code == 400
    assert error_of(response)["message"] == "emial: Extra inputs are not permitted"


def test_the_messages_endpoint_refuses_unknown_parameters_too(
    api_as: Any, admin: Any, conversation: Any
) -> None:
    response = api_as(admin).get(f"/conversations/{conversation.pk}/messages", before="3")
    assert response.status_code == 400
    assert "unknown query parameter 'before'" in error_of(response)["message"]
