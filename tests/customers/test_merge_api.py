"""GET /customers/{id}/duplicates and POST /customers/{id}/merge: strict input, clear 4xx."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.accounts.models import User
from rapport.accounts.tokens import create_token
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api, error_of
from tests.customers.helpers import writes_in


@pytest.fixture
def pair(webform_inbox: Inbox, api_inbox: Inbox) -> tuple[Customer, Customer]:
    by_mail = writes_in(webform_inbox, "email", "omar@example.com", "Omar Haddad", "Lamp")
    by_phone = writes_in(api_inbox, "phone", "+14155550177", "Omar Haddad", "Rug")
    return by_mail.customer, by_phone.customer


def test_duplicates_lists_the_other_customer_and_why(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    response = Api(agent).get(f"/customers/{keep.pk}/duplicates")

    assert response.status_code == 200
    [found] = response.json()
    assert found["reasons"] == ["name"]
    assert found["customer"]["id"] == other.pk
    assert found["customer"]["identities"][0]["address"] == "+14155550177"


def test_merge_answers_the_kept_customer_with_every_address(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    response = Api(agent).post(f"/customers/{keep.pk}/merge", {"absorb": other.pk})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == keep.pk
    assert body["phone"] == "+14155550177"
    assert {i["address"] for i in body["identities"]} == {"omar@example.com", "+14155550177"}
    assert Api(agent).get(f"/customers/{other.pk}").status_code == 404
    assert Api(agent).get(f"/customers/{keep.pk}/duplicates").json() == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "absorb"),
        ({"absorb": "2"}, "absorb"),
        ({"absorb": 0}, "absorb"),
        ({"absorb": True}, "absorb"),
        ({"absorb": 1, "keep": 2}, "keep"),
        ([], ""),
        ("null", ""),
    ],
)
def test_bad_bodies_are_400_with_the_reason(
    admin: User, pair: tuple[Customer, Customer], body: Any, says: str
) -> None:
    keep, _ = pair
    response = Api(admin).post(f"/customers/{keep.pk}/merge", body)

    assert response.status_code == 400, response.content
    assert says in error_of(response)["message"] + str(error_of(response).get("fields", ""))


def test_merging_into_itself_is_400(admin: User, pair: tuple[Customer, Customer]) -> None:
    keep, _ = pair
    response = Api(admin).post(f"/customers/{keep.pk}/merge", {"absorb": keep.pk})
    assert response.status_code == 400
    assert "themselves" in error_of(response)["message"]


def test_a_customer_the_caller_cannot_see_is_404_either_way(
    agent: User, webform_inbox: Inbox, other_inbox: Inbox
) -> None:
    mine = writes_in(webform_inbox, "email", "a@example.com", "Omar Haddad").customer
    hidden = writes_in(other_inbox, "email", "b@example.com", "Omar Haddad").customer
    api = Api(agent)

    for path, body in (
        (f"/customers/{mine.pk}/merge", {"absorb": hidden.pk}),
        (f"/customers/{hidden.pk}/merge", {"absorb": mine.pk}),
        (f"/customers/{mine.pk}/merge", {"absorb": hidden.pk + 999}),
    ):
        response = api.post(path, body)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert api.get(f"/customers/{hidden.pk}/duplicates").status_code == 404
    assert api.get(f"/customers/{mine.pk}/duplicates").json() == []
    assert Customer.objects.filter(pk=hidden.pk).exists()


def test_a_light_seat_and_a_read_only_token_are_403(
    light_seat: User, admin: User, webform_inbox: Inbox
) -> None:
    keep = writes_in(webform_inbox, "email", "a@example.com", "Omar Haddad").customer
    other = writes_in(webform_inbox, "email", "b@example.com", "Omar Haddad").customer

    assert (
        Api(light_seat).post(f"/customers/{keep.pk}/merge", {"absorb": other.pk}).status_code == 403
    )
    _, raw = create_token(user=admin, name="reader", access="read")
    reader = Api(admin)
    reader.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    assert reader.post(f"/customers/{keep.pk}/merge", {"absorb": other.pk}).status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()


def test_the_openapi_document_describes_both(admin: User) -> None:
    schema = Api(admin).client.get("/api/openapi.json").json()
    merge = schema["paths"]["/api/v1/customers/{customer_id}/merge"]["post"]
    duplicates = schema["paths"]["/api/v1/customers/{customer_id}/duplicates"]["get"]

    assert {"200", "400", "401", "403", "404", "409"} <= set(merge["responses"])
    assert {"200", "401", "404"} <= set(duplicates["responses"])
    body = merge["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["absorb"]


def test_rows_nothing_moves_are_a_409_and_nothing_changes(
    admin: User, pair: tuple[Customer, Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.customers import merging

    keep, other = pair
    monkeypatch.setattr(merging, "_movers", {})  # as if an app forgot to register its mover

    response = Api(admin).post(f"/customers/{keep.pk}/merge", {"absorb": other.pk})

    assert response.status_code == 409
    assert "nothing was changed" in error_of(response)["message"]
    assert Customer.objects.filter(pk=other.pk).exists()
