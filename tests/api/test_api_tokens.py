"""Scoped API tokens: read only, limited to inboxes, expiring; listed, created (shown once)
and revoked over the API; never holding more than the person behind them, checked at use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import ApiToken, Role
from rapport.accounts.tokens import create_token, forget_verified_tokens
from rapport.core.models import AuditEntry
from tests.api.conftest import V1, Api, error_of
from tests.factories import ConversationFactory, CustomerFactory, UserFactory


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def make(api: Api, **body: object) -> dict:
    response = api.post("/tokens", {"name": "Integration", **body})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def other_conversation(api_inbox):
    customer = CustomerFactory(name="Dave", email="dave@mail.example")
    return ConversationFactory(inbox=api_inbox, customer=customer, subject="Bulk order")


def test_a_new_token_is_shown_once_and_works(agent):
    api = Api(agent)

    created = make(api, access="read")

    assert created["token"].startswith(f"rpt_{created['prefix']}_")
    assert created["access"] == "read"
    assert created["inbox_ids"] is None
    assert created["user"] == {"id": agent.pk, "name": agent.name}
    me = bearer(created["token"]).get(f"{V1}/agents/me")
    assert me.json()["email"] == agent.email
    listed = api.get("/tokens").json()
    assert {token["name"] for token in listed} == {"tests", "Integration"}
    assert all("token" not in token for token in listed)
    assert api.get(f"/tokens/{created['id']}").json()["last_used_at"] is not None
    entry = AuditEntry.objects.get(verb="api_token.created", object_id=created["id"])
    assert entry.changes["access"] == "read"


def test_a_read_only_token_reads_but_every_change_is_403(agent, conversation):
    raw = make(Api(agent), access="read")["token"]
    client = bearer(raw)

    assert client.get(f"{V1}/conversations/{conversation.pk}").status_code == 200
    for method, path in [
        ("post", f"/conversations/{conversation.pk}/notes"),
        ("post", f"/conversations/{conversation.pk}/priority"),
        ("put", f"/conversations/{conversation.pk}/tags"),
        ("delete", "/tokens/1"),
        ("post", "/tokens"),
    ]:
        response = getattr(client, method)(
            V1 + path, {"text": "x"}, content_type="application/json"
        )
        assert response.status_code == 403, (method, path)
        assert error_of(response) == {
            "code": "forbidden",
            "message": "this API token is read-only: it may only read (GET), not change anything",
        }
    assert not conversation.messages.exists()


def test_an_inbox_limited_token_sees_only_those_inboxes(
    admin, conversation, other_conversation, webform_inbox, api_inbox
):
    raw = make(Api(admin), inbox_ids=[webform_inbox.pk])["token"]
    client = bearer(raw)

    listed = client.get(f"{V1}/conversations").json()["items"]
    assert [item["id"] for item in listed] == [conversation.pk]
    assert client.get(f"{V1}/conversations/{other_conversation.pk}").status_code == 404
    assert client.get(f"{V1}/inboxes/{api_inbox.pk}").status_code == 404
    assert [inbox["id"] for inbox in client.get(f"{V1}/inboxes").json()] == [webform_inbox.pk]
    me = client.get(f"{V1}/agents/me").json()
    assert me["inbox_ids"] == [webform_inbox.pk]
    assert me["sees_all_inboxes"] is False
    customers = client.get(f"{V1}/customers").json()["items"]
    assert [customer["name"] for customer in customers] == ["Carol Customer"]
    posted = client.post(
        f"{V1}/inboxes/{api_inbox.pk}/messages",
        {"identity": {"kind": "email", "address": "dave@mail.example"}, "text": "Hi"},
        content_type="application/json",
    )
    assert posted.status_code == 404
    note = client.post(
        f"{V1}/conversations/{conversation.pk}/notes",
        {"text": "Seen"},
        content_type="application/json",
    )
    assert note.status_code == 201


def test_a_token_cannot_be_limited_to_an_inbox_its_owner_does_not_see(agent, other_inbox):
    response = Api(agent).post("/tokens", {"name": "x", "inbox_ids": [other_inbox.pk]})

    assert response.status_code == 404
    assert error_of(response)["message"] == f"inbox {other_inbox.pk} not found"
    assert not ApiToken.objects.filter(name="x").exists()


def test_an_agent_who_leaves_an_inbox_takes_it_from_their_tokens(agent, webform_inbox, api_inbox):
    raw = make(Api(agent), inbox_ids=[webform_inbox.pk, api_inbox.pk])["token"]
    webform_inbox.members.remove(agent)
    forget_verified_tokens()

    seen = bearer(raw).get(f"{V1}/inboxes").json()

    assert [inbox["id"] for inbox in seen] == [api_inbox.pk]


def test_a_token_loses_what_its_owner_loses(admin, api_inbox, other_conversation):
    raw = make(Api(admin))["token"]
    assert bearer(raw).get(f"{V1}/conversations/{other_conversation.pk}").status_code == 200
    admin.role = Role.AGENT
    admin.save()
    forget_verified_tokens()

    response = bearer(raw).get(f"{V1}/conversations/{other_conversation.pk}")

    assert response.status_code == 404


def test_a_token_made_for_someone_else_dies_with_its_makers_admin_role(admin, agent, conversation):
    created = make(Api(admin), user_id=agent.pk)
    assert created["created_by"] == {"id": admin.pk, "name": admin.name}
    assert bearer(created["token"]).get(f"{V1}/agents/me").json()["id"] == agent.pk
    UserFactory(role=Role.ADMIN)  # so the admin may step down
    admin.role = Role.SUPERVISOR
    admin.save()
    forget_verified_tokens()

    response = bearer(created["token"]).get(f"{V1}/agents/me")

    assert response.status_code == 401


def test_only_admins_make_tokens_for_someone_else(agent, admin):
    response = Api(agent).post("/tokens", {"name": "x", "user_id": admin.pk})

    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "only admins can make a token that acts as someone else"
    )


def test_a_limited_token_makes_only_tokens_within_its_limits(admin, webform_inbox, api_inbox):
    expiry = timezone.now() + timedelta(days=3)
    parent = make(Api(admin), inbox_ids=[webform_inbox.pk], expires_at=expiry.isoformat())
    client = bearer(parent["token"])

    child = client.post(f"{V1}/tokens", {"name": "child"}, content_type="application/json")
    wider = client.post(
        f"{V1}/tokens",
        {"name": "wider", "inbox_ids": [api_inbox.pk]},
        content_type="application/json",
    )

    assert child.status_code == 201
    assert child.json()["inbox_ids"] == [webform_inbox.pk]
    assert child.json()["expires_at"] is not None
    assert (
        ApiToken.objects.get(name="child").expires_at
        == ApiToken.objects.get(pk=parent["id"]).expires_at
    )
    assert wider.status_code == 404
    # An inbox-limited admin token is not an admin's view of everyone's tokens.
    assert {token["name"] for token in client.get(f"{V1}/tokens").json()} == {
        "tests",
        "Integration",
        "child",
    }


def test_an_expired_token_is_401(agent):
    token, raw = create_token(user=agent, name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(raw).get(f"{V1}/agents/me")

    assert response.status_code == 401


def test_an_expiry_in_the_past_is_400(agent):
    past = (timezone.now() - timedelta(days=1)).isoformat()

    response = Api(agent).post("/tokens", {"name": "x", "expires_at": past})

    assert response.status_code == 400
    assert error_of(response)["message"] == "expires_at must be in the future"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, "name: String should have at least 1 character"),
        ({"name": "x", "access": "write"}, "access: Input should be 'full' or 'read'"),
        (
            {"name": "x", "inbox_ids": [0]},
            "inbox_ids.0: Input should be greater than or equal to 1",
        ),
    ],
)
def test_bad_token_requests_name_the_field(agent, body, message):
    response = Api(agent).post("/tokens", body)

    assert response.status_code == 400
    assert error_of(response)["message"] == message


def test_revoking_over_the_api_stops_the_token_at_once(agent):
    api = Api(agent)
    created = make(api)

    response = api.delete(f"/tokens/{created['id']}")

    assert response.status_code == 204
    assert bearer(created["token"]).get(f"{V1}/agents/me").status_code == 401
    assert api.get(f"/tokens/{created['id']}").json()["is_active"] is False
    assert AuditEntry.objects.filter(verb="api_token.revoked", object_id=created["id"]).exists()


def test_someone_elses_token_is_404(agent, outsider, admin):
    theirs = make(Api(outsider))

    assert Api(agent).get(f"/tokens/{theirs['id']}").status_code == 404
    assert Api(agent).delete(f"/tokens/{theirs['id']}").status_code == 404
    assert theirs["id"] not in [token["id"] for token in Api(agent).get("/tokens").json()]
    assert theirs["id"] in [token["id"] for token in Api(admin).get("/tokens").json()]
    assert Api(admin).delete(f"/tokens/{theirs['id']}").status_code == 204
