"""Invitations over the API: admins invite, list, resend and withdraw; the e-mail leaves
through the outbox; everyone else is refused with 403."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from rapport.accounts.models import Invitation, User
from tests.api.conftest import Api, error_of
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the e-mail leaves after commit


def test_an_admin_invites_over_the_api_and_the_link_works(admin, webform_inbox):
    team = TeamFactory(name="Billing")

    response = Api(admin).post(
        "/invitations",
        {
            "email": "Nina@Shop.example",
            "role": "supervisor",
            "team_ids": [team.pk],
            "inbox_ids": [webform_inbox.pk],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "nina@shop.example"
    assert (body["role"], body["team_ids"], body["inbox_ids"]) == (
        "supervisor",
        [team.pk],
        [webform_inbox.pk],
    )
    assert body["is_pending"] is True
    assert "secret" not in str(body)
    link = re.search(r"/invitations/\S+", mail.outbox[-1].body).group(0)
    accepted = Client().post(
        link, {"name": "Nina", "password": "a good long pass", "password_again": "a good long pass"}
    )
    assert accepted.status_code == 302
    assert User.objects.get(email="nina@shop.example").role == "supervisor"
    listed = Api(admin).get("/invitations").json()
    assert listed[0]["accepted_at"] is not None
    assert listed[0]["is_pending"] is False


def test_resend_and_withdraw(admin):
    api = Api(admin)
    created = api.post("/invitations", {"email": "nina@shop.example"}).json()
    first = mail.outbox[-1].body

    resent = api.post(f"/invitations/{created['id']}/resend")
    withdrawn = api.delete(f"/invitations/{created['id']}")

    assert resent.status_code == 200
    assert mail.outbox[-1].body != first
    assert withdrawn.status_code == 204
    assert Invitation.objects.get().revoked_at is not None
    again = api.post(f"/invitations/{created['id']}/resend")
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"email": "maria@shop.example"}, 409, "maria@shop.example already has a seat"),
        ({"email": "x@shop.example", "role": "owner"}, 400, "role: Input should be"),
        ({"email": "not-an-address"}, 400, "email: String should match pattern"),
        ({"email": "x@shop.example", "team_ids": [999]}, 404, "team 999 not found"),
        ({"email": "x@shop.example", "inbox_ids": [999]}, 404, "inbox 999 not found"),
    ],
)
def test_bad_invitations_are_refused_with_the_reason(admin, agent, body, status, message):
    response = Api(admin).post("/invitations", body)

    assert response.status_code == status
    assert error_of(response)["message"].startswith(message)
    assert not Invitation.objects.exists()


def test_non_admins_are_refused(agent, admin):
    created = Api(admin).post("/invitations", {"email": "nina@shop.example"}).json()
    api = Api(agent)

    for response in [
        api.get("/invitations"),
        api.post("/invitations", {"email": "x@shop.example"}),
        api.delete(f"/invitations/{created['id']}"),
        api.post(f"/invitations/{created['id']}/resend"),
    ]:
        assert response.status_code == 403
        assert error_of(response)["message"] == "only admins can invite teammates"
