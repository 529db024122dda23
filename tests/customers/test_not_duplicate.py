""" "Not the same person": a suggested pair dismissed for good, on the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.accounts.models import User
from rapport.accounts.tokens import create_token
from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.actions import dismiss_duplicate, merge_customers
from rapport.customers.duplicates import duplicates_of, possible_duplicates
from rapport.customers.models import Customer, DismissedDuplicate
from rapport.customers.selectors import access_customer
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api, error_of
from tests.conftest import logged_in
from tests.customers.helpers import writes_in


@pytest.fixture
def pair(webform_inbox: Inbox, api_inbox: Inbox) -> tuple[Customer, Customer]:
    """Two people who share a name: suggested as one, and they are not."""
    older = writes_in(webform_inbox, "email", "sam@example.com", "Sam Taylor", "Lamp").customer
    newer = writes_in(api_inbox, "phone", "+14155550123", "Sam Taylor", "Rug").customer
    return older, newer


def suggested_ids(user: User, customer: Customer) -> list[int]:
    return [d.customer.pk for d in duplicates_of(user, access_customer(user, customer.pk))]


def test_a_dismissed_pair_is_never_suggested_again_from_either_side(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    older, newer = pair
    assert suggested_ids(agent, older) == [newer.pk]

    dismissal = dismiss_duplicate(actor=agent, customer=newer, other=older)

    assert (dismissal.first_id, dismissal.second_id) == (older.pk, newer.pk)
    assert dismissal.dismissed_by == agent
    assert suggested_ids(agent, older) == []
    assert suggested_ids(agent, newer) == []
    assert possible_duplicates(agent).pairs == []


def test_saying_it_twice_from_either_side_keeps_one_row_and_one_audit_pair(
    agent: User, admin: User, pair: tuple[Customer, Customer]
) -> None:
    older, newer = pair
    first = dismiss_duplicate(actor=agent, customer=older, other=newer)
    again = dismiss_duplicate(actor=admin, customer=newer, other=older)

    assert again.pk == first.pk
    assert again.dismissed_by == agent
    assert DismissedDuplicate.objects.count() == 1
    entries = AuditEntry.objects.filter(verb="customer.not_duplicate").order_by("object_id")
    assert [(e.object_id, e.changes["other"]["id"], e.actor) for e in entries] == [
        (older.pk, newer.pk, agent),
        (newer.pk, older.pk, agent),
    ]


def test_other_suggestions_of_the_same_customer_stay(
    agent: User, pair: tuple[Customer, Customer], webform_inbox: Inbox
) -> None:
    older, newer = pair
    third = writes_in(webform_inbox, "email", "sam.t@example.com", "Sam Taylor").customer

    dismiss_duplicate(actor=agent, customer=older, other=newer)

    assert suggested_ids(agent, older) == [third.pk]
    listed = [(p.newer.pk, p.older.pk) for p in possible_duplicates(agent).pairs]
    assert listed == [(third.pk, newer.pk), (third.pk, older.pk)]


def test_who_may_not_and_what_cannot_be_dismissed(
    agent: User, light_seat: User, pair: tuple[Customer, Customer], other_inbox: Inbox
) -> None:
    older, newer = pair
    hidden = writes_in(other_inbox, "email", "sam@example.net", "Sam Taylor").customer

    with pytest.raises(PermissionDenied):
        dismiss_duplicate(actor=light_seat, customer=older, other=newer)
    with pytest.raises(ValidationFailed, match="same person as themselves"):
        dismiss_duplicate(actor=agent, customer=older, other=older)
    with pytest.raises(NotFound):
        dismiss_duplicate(actor=agent, customer=older, other=hidden)
    assert not DismissedDuplicate.objects.exists()


def test_a_merge_carries_the_dismissal_to_the_kept_customer(
    admin: User, pair: tuple[Customer, Customer], webform_inbox: Inbox
) -> None:
    older, newer = pair
    second_address = writes_in(webform_inbox, "email", "sam.t@example.com", "Sam Taylor").customer
    dismiss_duplicate(actor=admin, customer=second_address, other=newer)
    dismiss_duplicate(actor=admin, customer=second_address, other=older)

    merge_customers(actor=admin, keep=older, absorb=second_address)

    rows = DismissedDuplicate.objects.values_list("first_id", "second_id")
    assert list(rows) == [(older.pk, newer.pk)]  # (older, itself) went, (older, newer) stays
    assert suggested_ids(admin, older) == []


def test_the_customer_page_has_the_button_and_it_takes_the_suggestion_away(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    older, newer = pair
    client = logged_in(agent)
    url = f"/customers/{older.pk}/not-duplicate/{newer.pk}"
    assert f'action="{url}"' in client.get(f"/customers/{older.pk}").content.decode()

    response = client.post(url, follow=True)

    assert response.redirect_chain == [(f"/customers/{older.pk}", 302)]
    page = response.content.decode()
    assert f"Sam Taylor (customer {newer.pk}) will not be suggested again: not the" in page
    assert "data-duplicate=" not in page
    assert f"said this is not the same person as Sam Taylor (customer {newer.pk})" in page


def test_the_list_has_the_button_and_returns_to_the_list_where_it_was(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    older, newer = pair
    client = logged_in(agent)
    url = f"/customers/{older.pk}/not-duplicate/{newer.pk}"
    assert f'action="{url}"' in client.get("/customers/duplicates").content.decode()

    response = client.post(url, {"back": "duplicates", "before": "99999"}, follow=True)

    assert response.redirect_chain == [("/customers/duplicates?before=99999", 302)]
    assert "No possible duplicates" in response.content.decode()


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example"])
def test_back_is_one_of_two_pages_never_an_address(
    agent: User, pair: tuple[Customer, Customer], back: str
) -> None:
    older, newer = pair
    response = logged_in(agent).post(
        f"/customers/{older.pk}/not-duplicate/{newer.pk}", {"back": back, "before": back}
    )
    assert response["Location"] == f"/customers/{older.pk}"


def test_the_pages_refuse_what_the_action_refuses(
    agent: User, light_seat: User, pair: tuple[Customer, Customer], other_inbox: Inbox
) -> None:
    older, newer = pair
    hidden = writes_in(other_inbox, "email", "sam@example.net", "Sam Taylor").customer
    client = logged_in(agent)

    assert client.get(f"/customers/{older.pk}/not-duplicate/{newer.pk}").status_code == 405
    assert client.post(f"/customers/{older.pk}/not-duplicate/{hidden.pk}").status_code == 404
    response = client.post(f"/customers/{older.pk}/not-duplicate/{older.pk}")
    assert response.status_code == 400
    assert "same person as themselves" in response.content.decode()
    light = logged_in(light_seat)
    assert "Not the same person" not in light.get("/customers/duplicates").content.decode()
    assert "Not the same person" not in light.get(f"/customers/{older.pk}").content.decode()
    assert not DismissedDuplicate.objects.exists()


def test_the_api_answers_201_then_200_and_duplicates_forgets_the_pair(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    older, newer = pair
    api = Api(agent)

    response = api.post(f"/customers/{newer.pk}/not-duplicates", {"other": older.pk})
    again = api.post(f"/customers/{older.pk}/not-duplicates", {"other": newer.pk})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customers"] == [older.pk, newer.pk]
    assert body["dismissed_by"] == agent.pk
    assert again.status_code == 200
    assert again.json() == body
    assert api.get(f"/customers/{older.pk}/duplicates").json() == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "other"),
        ({"other": "2"}, "other"),
        ({"other": 0}, "other"),
        ({"other": -3}, "other"),
        ({"other": True}, "other"),
        ({"other": 10**30}, "other"),
        ({"other": 1, "absorb": 2}, "absorb"),
        ([], "JSON object"),
    ],
)
def test_bad_bodies_are_400_with_the_reason(
    admin: User, pair: tuple[Customer, Customer], body: Any, says: str
) -> None:
    older, _ = pair
    response = Api(admin).post(f"/customers/{older.pk}/not-duplicates", body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert says in error["message"] + str(error.get("fields", ""))


def test_the_api_refuses_itself_hidden_missing_light_and_read_only(
    agent: User,
    admin: User,
    light_seat: User,
    pair: tuple[Customer, Customer],
    other_inbox: Inbox,
) -> None:
    older, newer = pair
    hidden = writes_in(other_inbox, "email", "sam@example.net", "Sam Taylor").customer
    api = Api(agent)

    itself = api.post(f"/customers/{older.pk}/not-duplicates", {"other": older.pk})
    assert itself.status_code == 400
    assert "same person as themselves" in error_of(itself)["message"]
    for path, other in (
        (f"/customers/{older.pk}/not-duplicates", hidden.pk),
        (f"/customers/{hidden.pk}/not-duplicates", older.pk),
        (f"/customers/{older.pk}/not-duplicates", hidden.pk + 999),
    ):
        response = api.post(path, {"other": other})
        assert response.status_code == 404
        assert error_of(response)["message"].startswith("customer ")
    third = writes_in(older.conversations.get().inbox, "email", "sam.t@example.com").customer
    light = Api(light_seat).post(f"/customers/{older.pk}/not-duplicates", {"other": third.pk})
    assert light.status_code == 403
    _, raw = create_token(user=admin, name="reader", access="read")
    reader = Api(admin)
    reader.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    read_only = reader.post(f"/customers/{older.pk}/not-duplicates", {"other": newer.pk})
    assert read_only.status_code == 403
    assert not DismissedDuplicate.objects.exists()


def test_the_openapi_document_describes_it(admin: User) -> None:
    schema = Api(admin).client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/customers/{customer_id}/not-duplicates"]["post"]

    assert {"200", "201", "400", "401", "403", "404"} <= set(operation["responses"])
    assert "never suggested again" in operation["description"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["required"] == ["other"]
