"""Agents, teams and inboxes through the API."""

from __future__ import annotations

import pytest

from rapport.accounts.models import Role
from tests.api.conftest import Api, error_of
from tests.factories import InboxFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_tells_who_i_am_and_what_i_see(agent, webform_inbox, api_inbox):
    team = TeamFactory(name="Billing")
    team.members.add(agent)

    response = Api(agent).get("/agents/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": agent.pk,
        "name": "Maria Agent",
        "email": "maria@shop.example",
        "role": "agent",
        "can_reply": True,
        "is_active": True,
        "team_ids": [team.pk],
        "sees_all_inboxes": False,
        "inbox_ids": [api_inbox.pk, webform_inbox.pk],  # by name
        "two_factor_enabled": False,
    }


def test_agents_list_active_staff_by_name(agent, admin, light_seat):
    UserFactory(name="Zed Gone", is_active=False)

    response = Api(agent).get("/agents")

    assert [row["name"] for row in response.json()] == ["Ada Admin", "Lee Light", "Maria Agent"]
    assert response.json()[1] == {
        "id": light_seat.pk,
        "name": "Lee Light",
        "email": "lee@shop.example",
        "role": "light",
        "can_reply": False,
        "is_active": True,
        "team_ids": [],
    }


def test_agents_of_one_inbox(agent, admin, light_seat, webform_inbox, api_inbox):
    in_webform = Api(agent).get("/agents", inbox_id=webform_inbox.pk).json()
    in_api = Api(agent).get("/agents", inbox_id=api_inbox.pk).json()

    assert [row["id"] for row in in_webform] == [light_seat.pk, agent.pk]
    assert [row["id"] for row in in_api] == [agent.pk]


def test_get_agent_and_unknown_agent(agent, admin):
    api = Api(agent)

    found = api.get(f"/agents/{admin.pk}")
    missing = api.get("/agents/999999")

    assert found.json()["role"] == Role.ADMIN
    assert missing.status_code == 404
    assert error_of(missing) == {"code": "not_found", "message": "agent 999999 not found"}


def test_teams_list_and_get(agent, admin):
    billing = TeamFactory(name="Billing")
    billing.members.add(agent, admin)
    TeamFactory(name="Apps")
    api = Api(agent)

    listed = api.get("/teams").json()
    one = api.get(f"/teams/{billing.pk}").json()

    assert [team["name"] for team in listed] == ["Apps", "Billing"]
    assert one == {"id": billing.pk, "name": "Billing", "member_ids": [admin.pk, agent.pk]}
    assert api.get("/teams/999999").status_code == 404


def test_inboxes_an_agent_belongs_to(agent, webform_inbox, api_inbox):
    hidden = InboxFactory(name="Secret")
    api = Api(agent)

    listed = api.get("/inboxes").json()

    assert [inbox["id"] for inbox in listed] == [api_inbox.pk, webform_inbox.pk]
    assert listed[0] == {
        "id": api_inbox.pk,
        "name": "Shop integration",
        "kind": "api",
        "public_key": api_inbox.public_key,
        "is_active": True,
    }
    assert api.get(f"/inboxes/{webform_inbox.pk}").json()["name"] == "Support"
    assert api.get(f"/inboxes/{hidden.pk}").status_code == 404


def test_admins_see_every_inbox(admin, webform_inbox, api_inbox):
    hidden = InboxFactory(name="Secret")

    listed = Api(admin).get("/inboxes").json()

    assert [inbox["id"] for inbox in listed] == [hidden.pk, api_inbox.pk, webform_inbox.pk]
