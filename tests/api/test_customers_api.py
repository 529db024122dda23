"""Customers and identities through the API: who sees whom, create, change, identities."""

from __future__ import annotations

import pytest

from rapport.customers.models import Company, Customer, Identity
from tests.api.conftest import Api, error_of, iso
from tests.factories import ConversationFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_get_customer_with_identities_and_company(agent, conversation):
    customer = conversation.customer
    customer.company = Company.objects.create(name="Acme", domain="acme.example")
    customer.attributes = {"plan": "pro", "orders": 3}
    customer.save()
    identity = customer.identities.get()

    response = Api(agent).get(f"/customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": customer.pk,
        "name": "Carol Customer",
        "display_name": "Carol Customer",
        "email": "carol@mail.example",
        "phone": "",
        "company": {"id": customer.company.pk, "name": "Acme", "domain": "acme.example"},
        "attributes": {"plan": "pro", "orders": 3},
        "identities": [
            {
                "id": identity.pk,
                "kind": "email",
                "address": "carol@mail.example",
                "created_at": iso(identity.created_at),
            }
        ],
        "created_at": iso(customer.created_at),
        "last_seen_at": None,
    }


def test_agents_see_customers_of_their_inboxes_only(agent, admin, conversation):
    stranger = ConversationFactory().customer  # writes to an inbox the agent is not in
    lonely = CustomerFactory()  # no conversation at all

    agent_ids = [row["id"] for row in Api(agent).get("/customers").json()["items"]]
    admin_ids = [row["id"] for row in Api(admin).get("/customers").json()["items"]]

    assert agent_ids == [conversation.customer_id]
    assert admin_ids == [lonely.pk, stranger.pk, conversation.customer_id]
    assert Api(agent).get(f"/customers/{stranger.pk}").status_code == 404


def test_search_by_name_or_email(admin):
    ada = CustomerFactory(name="Ada Lovelace", email="ada@math.example")
    CustomerFactory(name="Alan Turing", email="alan@math.example")
    api = Api(admin)

    by_name = api.get("/customers", q="lovelace").json()["items"]
    by_email = api.get("/customers", q="ADA@MATH").json()["items"]
    by_domain = api.get("/customers", q="math.example").json()["items"]

    assert [row["id"] for row in by_name] == [ada.pk]
    assert [row["id"] for row in by_email] == [ada.pk]
    assert len(by_domain) == 2


def test_customer_list_pages_with_a_cursor(admin):
    customers = [CustomerFactory() for _ in range(3)]
    api = Api(admin)

    first = api.get("/customers", limit=2).json()
    rest = api.get("/customers", limit=2, after=first["next_cursor"]).json()

    assert [row["id"] for row in first["items"]] == [customers[2].pk, customers[1].pk]
    assert [row["id"] for row in rest["items"]] == [customers[0].pk]
    assert rest["next_cursor"] is None


def test_create_customer_makes_identities_and_company(admin):
    response = Api(admin).post(
        "/customers",
        {
            "name": "Dora Diaz",
            "email": " Dora@Mail.Example ",
            "phone": "+49 151 2345 6789",
            "company": "Diaz GmbH",
            "attributes": {"plan": "gold", "vip": True},
        },
    )

    assert response.status_code == 201
    customer = Customer.objects.get()
    body = response.json()
    assert body["id"] == customer.pk
    assert body["email"] == "dora@mail.example"
    assert body["phone"] == "+4915123456789"
    assert body["company"]["name"] == "Diaz GmbH"
    assert body["attributes"] == {"plan": "gold", "vip": True}
    assert [(i["kind"], i["address"]) for i in body["identities"]] == [
        ("email", "dora@mail.example"),
        ("phone", "+4915123456789"),
    ]


def test_create_customer_with_a_taken_email_is_a_conflict(admin):
    CustomerFactory(email="taken@mail.example")

    response = Api(admin).post("/customers", {"name": "Copy", "email": "TAKEN@mail.example"})

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "email taken@mail.example cannot be given to this customer: it is in use",
    }
    assert Customer.objects.count() == 1


def test_agents_cannot_create_customers(agent):
    response = Api(agent).post("/customers", {"name": "Eve"})

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "only admins and supervisors can create customers",
    }


def test_update_customer(agent, conversation):
    customer = conversation.customer
    response = Api(agent).patch(
        f"/customers/{customer.pk}",
        {"name": "Carol C.", "email": "carol@new.example", "company": "Acme", "attributes": {}},
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.company.name) == (
        "Carol C.",
        "carol@new.example",
        "Acme",
    )
    assert customer.phone == ""  # left out: kept
    assert sorted(customer.identities.values_list("address", flat=True)) == [
        "carol@mail.example",
        "carol@new.example",
    ]
    assert response.json()["email"] == "carol@new.example"


def test_update_to_another_customers_email_is_a_conflict(agent, conversation):
    CustomerFactory(email="someone@mail.example")

    response = Api(agent).patch(
        f"/customers/{conversation.customer_id}", {"email": "someone@mail.example"}
    )

    assert response.status_code == 409
    conversation.customer.refresh_from_db()
    assert conversation.customer.email == "carol@mail.example"


def test_bad_email_names_the_problem(agent, conversation):
    response = Api(agent).patch(f"/customers/{conversation.customer_id}", {"email": "nope"})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "'nope' is not a valid e-mail address",
    }


def test_identities_list_add_delete(agent, conversation, api_inbox):
    customer = conversation.customer
    api = Api(agent)
    path = f"/customers/{customer.pk}/identities"

    phone = api.post(path, {"kind": "phone", "address": "+44 20 7946 0958"})
    external = api.post(path, {"kind": "api", "address": "shop-42", "inbox_id": api_inbox.pk})
    listed = api.get(path)
    deleted = api.delete(f"{path}/{phone.json()['id']}")
    again = api.delete(f"{path}/{phone.json()['id']}")

    assert phone.status_code == 201
    assert phone.json()["address"] == "+442079460958"
    assert external.json()["address"] == f"{api_inbox.pk}:shop-42"
    assert [(i["kind"], i["address"]) for i in listed.json()] == [
        ("email", "carol@mail.example"),
        ("phone", "+442079460958"),
        ("api", f"{api_inbox.pk}:shop-42"),
    ]
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert list(customer.identities.values_list("kind", flat=True).order_by("id")) == [
        "email",
        "api",
    ]


def test_duplicate_identity_is_a_conflict(agent, conversation):
    path = f"/customers/{conversation.customer_id}/identities"

    response = Api(agent).post(path, {"kind": "email", "address": "Carol@Mail.Example"})

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "email carol@mail.example already belongs to this customer",
    }
    assert Identity.objects.count() == 1


def test_api_identity_needs_an_inbox(agent, conversation):
    path = f"/customers/{conversation.customer_id}/identities"

    response = Api(agent).post(path, {"kind": "api", "address": "shop-42"})

    assert response.status_code == 400
    assert error_of(response)["message"] == "inbox_id: required for an identity of kind 'api'"


def test_light_seat_cannot_change_customers(light_seat, conversation):
    response = Api(light_seat).patch(f"/customers/{conversation.customer_id}", {"name": "X"})

    assert response.status_code == 403
    assert error_of(response)["message"] == "a light seat cannot change customer profiles"
