"""Invitations: an admin invites a teammate with a role, teams and inboxes; the e-mail goes
through the outbox; the link works once, until it expires, and says clearly when not."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from rapport.accounts.actions import invitations
from rapport.accounts.models import Invitation, Role, SignInPolicy, User
from rapport.core.models import AuditEntry
from rapport.outbox.models import Delivery, DeliveryKind
from tests.factories import TeamFactory

# Committed for real: the invitation e-mail leaves through the outbox after commit.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a good long passphrase"


def invite(admin_client, **fields) -> str:
    """Invite someone through the settings page; the link from the e-mail sent."""
    data = {"email": "Nina@Shop.example", "name": "Nina", "role": "agent", **fields}
    response = admin_client.post("/settings/agents/new", data)
    assert response.status_code == 302, response.content.decode()
    return link_in(mail.outbox[-1].body)


def link_in(body: str) -> str:
    found = re.search(r"https?://\S+(/invitations/\S+)", body)
    assert found, body
    return found.group(1)


def accept(link: str, client: Client | None = None, **fields: str):
    client = client or Client()
    data = {"name": "Nina New", "password": PASSWORD, "password_again": PASSWORD, **fields}
    return client, client.post(link, data)


def test_an_invitation_is_mailed_through_the_outbox(admin_client, admin, webform_inbox):
    team = TeamFactory(name="Billing")

    link = invite(admin_client, teams=[team.pk], inboxes=[webform_inbox.pk], role="light")

    sent = mail.outbox[-1]
    assert sent.to == ["nina@shop.example"]
    assert sent.subject == "Ada Admin invited you to Rapport"
    assert "works once" in sent.body
    delivery = Delivery.objects.get(kind=DeliveryKind.NOTIFICATION)
    assert delivery.state == "sent"
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "nina@shop.example",
        Role.LIGHT,
        admin,
    )
    secret = link.rsplit("/", 1)[1]
    assert secret not in invitation.secret_hash
    assert AuditEntry.objects.get(verb="invitation.created").actor == admin
    page = admin_client.get("/settings/agents/").content.decode()
    assert "<title>Agents · Settings · Rapport</title>" in page  # no table in the title
    assert "nina@shop.example" in page
    assert "Resend" in page


def test_accepting_creates_the_seat_with_role_teams_and_inboxes(admin_client, webform_inbox):
    team = TeamFactory(name="Billing")
    link = invite(admin_client, teams=[team.pk], inboxes=[webform_inbox.pk], role="light")
    page = Client().get(link)
    assert page.status_code == 200
    assert "nina@shop.example" in page.content.decode()

    client, response = accept(link)

    assert response.status_code == 302
    assert response["Location"] == "/inbox"
    nina = User.objects.get(email="nina@shop.example")
    assert (nina.name, nina.role) == ("Nina New", Role.LIGHT)
    assert list(nina.teams.all()) == [team]
    assert list(nina.inboxes.all()) == [webform_inbox]
    assert client.get("/inbox").status_code == 200
    assert Client().login(username="nina@shop.example", password=PASSWORD)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == nina
    assert AuditEntry.objects.get(verb="invitation.accepted").actor == nina


def test_a_used_link_is_refused_with_a_clear_page(admin_client):
    link = invite(admin_client)
    accept(link)

    again = Client().get(link)
    _client, replay = accept(link, name="Mallory")

    assert again.status_code == 410
    assert "This invitation was already used" in again.content.decode()
    assert replay.status_code == 410
    assert User.objects.filter(email="nina@shop.example").count() == 1
    assert User.objects.get(email="nina@shop.example").name == "Nina New"


def test_an_expired_link_is_refused(admin_client):
    link = invite(admin_client)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    _client, response = accept(link)

    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert not User.objects.filter(email="nina@shop.example").exists()


def test_a_revoked_link_and_an_unknown_one_are_refused(admin_client):
    link = invite(admin_client)
    invitation = Invitation.objects.get()
    assert admin_client.post(f"/settings/invitations/{invitation.pk}/revoke").status_code == 302

    revoked = Client().get(link)
    unknown = Client().get("/invitations/not-a-real-secret")

    assert revoked.status_code == 410
    assert "withdrawn" in revoked.content.decode()
    assert unknown.status_code == 404
    assert "This link does not work" in unknown.content.decode()
    assert AuditEntry.objects.filter(verb="invitation.revoked").exists()


def test_resending_makes_a_new_link_and_kills_the_old(admin_client):
    old = invite(admin_client)
    invitation = Invitation.objects.get()

    admin_client.post(f"/settings/invitations/{invitation.pk}/resend")
    new = link_in(mail.outbox[-1].body)

    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_two_tabs_accepting_at_once_make_one_seat(admin_client):
    link = invite(admin_client)
    secret = link.rsplit("/", 1)[1]
    results: list[str] = []

    def take() -> None:
        try:
            invitations.accept_invitation(secret=secret, name="Nina", password=PASSWORD)
            results.append("ok")
        except Exception as error:
            results.append(type(error).__name__)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count("ok") == 1
    assert User.objects.filter(email="nina@shop.example").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "password", "password_again": "password"}, "too common"),
        ({"password_again": "something else"}, "The two passwords differ."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_the_invitee_s_mistakes_are_shown_on_the_form(admin_client, fields, message):
    link = invite(admin_client)

    _client, response = accept(link, **fields)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Client().get(link).status_code == 200  # still usable


def test_an_email_that_already_has_a_seat_is_not_invited(admin_client, agent):
    response = admin_client.post(
        "/settings/agents/new", {"email": "maria@shop.example", "role": "agent"}
    )

    assert response.status_code == 409
    assert "maria@shop.example already has a seat" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_twice_is_refused_until_revoked(admin_client):
    invite(admin_client)

    response = admin_client.post(
        "/settings/agents/new", {"email": "nina@shop.example", "role": "agent"}
    )

    assert response.status_code == 409
    assert "already invited" in response.content.decode()


def test_only_admins_invite(agent_client):
    response = agent_client.post(
        "/settings/agents/new", {"email": "x@shop.example", "role": "admin"}
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_role_that_requires_two_factor_enrols_before_the_seat_opens(admin_client):
    SignInPolicy.objects.update_or_create(pk=1, defaults={"two_factor_roles": [Role.AGENT]})
    link = invite(admin_client)

    client, response = accept(link)

    assert response.status_code == 302
    assert response["Location"] == "/login/enrol"
    assert client.get("/inbox").status_code == 302  # not signed in until enrolled
    assert client.get("/login/enrol").status_code == 200
