"""The settings area: inboxes, agents, teams and API tokens (admins only)."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import ApiToken, Role, Team
from rapport.accounts.tokens import authenticate_token
from rapport.conversations import actions
from rapport.conversations.models import Status
from rapport.conversations.selectors import tab_counts
from rapport.core.models import AuditEntry
from rapport.inboxes.models import Inbox, InboxKind
from tests.factories import TeamFactory, UserFactory
from tests.web.conftest import receive


def audited(verb: str, obj) -> AuditEntry:
    return AuditEntry.objects.get(verb=verb, object_id=obj.pk)


# ---- inboxes ----


def test_the_inbox_list_shows_each_inbox_and_the_public_form_link(
    admin_client, webform_inbox, api_inbox
):
    html = admin_client.get("/settings/inboxes/").content.decode()

    assert "Support" in html
    assert "Shop integration" in html
    assert f"http://testserver/f/{webform_inbox.public_key}" in html
    assert f"/f/{api_inbox.public_key}" not in html  # only web forms have a public page


def test_create_a_web_form_inbox_with_its_look_and_members(admin_client, admin, agent):
    response = admin_client.post(
        "/settings/inboxes/new",
        {
            "name": "Returns",
            "kind": "webform",
            "greeting": "Tell us what went wrong.",
            "accent_color": "#0EA5E9",
            "title": "Return something",
            "from_email": "returns@shop.example",
            "members": [agent.pk],
            "webhook_url": "https://ignored.example",
        },
    )

    inbox = Inbox.objects.get(name="Returns")
    assert response["Location"] == f"/settings/inboxes/{inbox.pk}"
    assert inbox.kind == InboxKind.WEBFORM
    assert inbox.config == {
        "accent_color": "#0EA5E9",
        "title": "Return something",
        "from_email": "returns@shop.example",
    }
    assert list(inbox.members.all()) == [agent]
    assert audited("inbox.created", inbox).actor == admin


def test_create_an_api_inbox_gets_a_webhook_secret(admin_client):
    admin_client.post(
        "/settings/inboxes/new",
        {"name": "Shop", "kind": "api", "webhook_url": "https://shop.example/hook"},
    )

    inbox = Inbox.objects.get(name="Shop")
    assert inbox.config["webhook_url"] == "https://shop.example/hook"
    assert len(inbox.config["webhook_secret"]) >= 32


def test_edit_an_inbox(admin_client, admin, webform_inbox, agent):
    response = admin_client.post(
        f"/settings/inboxes/{webform_inbox.pk}",
        {"name": "Help", "greeting": "Hi!", "title": "Ask us", "accent_color": "#111111"},
    )

    assert response.status_code == 302
    webform_inbox.refresh_from_db()
    assert (webform_inbox.name, webform_inbox.greeting, webform_inbox.is_active) == (
        "Help",
        "Hi!",
        False,
    )
    assert webform_inbox.config == {"accent_color": "#111111", "title": "Ask us"}
    assert list(webform_inbox.members.all()) == []
    entry = audited("inbox.updated", webform_inbox)
    assert entry.changes["config_keys"] == ["accent_color", "title"]


def test_the_edit_page_shows_the_form_link_and_only_the_kind_s_settings(
    admin_client, api_inbox, webform_inbox
):
    api_html = admin_client.get(f"/settings/inboxes/{api_inbox.pk}").content.decode()
    form_html = admin_client.get(f"/settings/inboxes/{webform_inbox.pk}").content.decode()

    assert 'class="form inbox-form kind-is-api"' in api_html
    assert 'value="s3cret"' in api_html
    assert "Public contact form" not in api_html
    assert f"/f/{webform_inbox.public_key}" in form_html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "webform", "accent_color": "red;}"}, "must be a hex colour"),
        ({"kind": "api", "webhook_url": "ftp://shop.example"}, "must be an http:// or https://"),
        ({"kind": "api", "webhook_url": "not a url"}, "Enter a valid URL"),
        ({"kind": "fax"}, "Select a valid choice"),
        ({"kind": "email"}, "Select a valid choice"),  # set up by the e-mail channel, not here
        ({"kind": "webform", "from_email": "not-an-address"}, "Enter a valid email address"),
    ],
)
def test_bad_inbox_settings_are_refused_on_the_form(admin_client, fields, message):
    response = admin_client.post("/settings/inboxes/new", {"name": "X", **fields})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Inbox.objects.filter(name="X").exists()


def test_an_email_inbox_keeps_its_channel_settings_when_edited(admin_client, agent):
    config = {"addresses": ["help@shop.example"], "imap": {"host": "imap.shop.example"}}
    inbox = Inbox.objects.create(name="Mail", kind=InboxKind.EMAIL, config=config)

    page = admin_client.get(f"/settings/inboxes/{inbox.pk}").content.decode()
    response = admin_client.post(
        f"/settings/inboxes/{inbox.pk}",
        {"name": "Help mail", "is_active": "on", "members": [agent.pk], "title": "ignored"},
    )

    assert "E-mail settings" in page
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert (inbox.name, inbox.config) == ("Help mail", config)
    assert list(inbox.members.all()) == [agent]


def test_an_unknown_inbox_is_404(admin_client):
    assert admin_client.get("/settings/inboxes/9999").status_code == 404


# ---- agents ----


def test_the_agent_list_shows_roles_and_status(admin_client, agent, light_seat):
    html = admin_client.get("/settings/agents/").content.decode()

    assert "Maria Agent" in html
    assert '<span class="role role-light">Light seat</span>' in html


# Adding a teammate is an invitation now: tests/web/test_invitations.py.


def test_change_an_agent_s_name_and_role(admin_client, agent):
    admin_client.post(f"/settings/agents/{agent.pk}", {"name": "Maria S.", "role": "supervisor"})

    agent.refresh_from_db()
    assert (agent.name, agent.role) == ("Maria S.", Role.SUPERVISOR)
    assert audited("agent.updated", agent).changes == {"old_role": "agent", "role": "supervisor"}


def test_the_last_admin_cannot_stop_being_admin(admin_client, admin):
    response = admin_client.post(f"/settings/agents/{admin.pk}", {"name": "Ada", "role": "agent"})

    assert response.status_code == 400
    assert "at least one active admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_deactivate_an_agent_unassigns_their_open_work(
    admin_client, agent, webform_inbox, django_capture_on_commit_callbacks
):
    open_one = receive(webform_inbox, "a@mail.example")
    done = receive(webform_inbox, "b@mail.example")
    for conversation in (open_one, done):
        actions.assign_conversation(conversation=conversation, actor=agent, assignee=agent)
    actions.change_status(conversation=done, actor=agent, status=Status.RESOLVED)

    # The conversations are unassigned by a subscriber of agent.deactivated, after commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/settings/agents/{agent.pk}/active", {"active": "0"})

    assert response["Location"] == "/settings/agents/"
    agent.refresh_from_db()
    open_one.refresh_from_db()
    done.refresh_from_db()
    assert not agent.is_active
    assert open_one.assignee is None
    assert done.assignee == agent
    assert tab_counts(agent)["unassigned"] == 1
    assert not Client().login(username=agent.email, password="correct horse battery staple")


def test_reactivate_an_agent(admin_client, agent):
    agent.is_active = False
    agent.save()

    admin_client.post(f"/settings/agents/{agent.pk}/active", {"active": "1"})

    agent.refresh_from_db()
    assert agent.is_active


def test_an_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/settings/agents/{admin.pk}/active", {"active": "0"})

    assert response.status_code == 400
    assert "You cannot deactivate yourself" in response.content.decode()


# ---- teams ----


def test_create_a_team_with_members(admin_client, agent):
    response = admin_client.post("/settings/teams/new", {"name": "Billing", "members": [agent.pk]})

    team = Team.objects.get(name="Billing")
    assert response["Location"] == "/settings/teams/"
    assert list(team.members.all()) == [agent]
    assert "Billing" in admin_client.get("/settings/teams/").content.decode()


def test_rename_a_team_and_change_members(admin_client, agent, admin):
    team = TeamFactory(name="Tier 1")
    team.members.add(agent)

    admin_client.post(f"/settings/teams/{team.pk}", {"name": "Tier 2", "members": [admin.pk]})

    team.refresh_from_db()
    assert team.name == "Tier 2"
    assert list(team.members.all()) == [admin]
    assert audited("team.updated", team).changes["members"] == [admin.pk]


def test_team_names_are_unique(admin_client):
    TeamFactory(name="Billing")

    response = admin_client.post("/settings/teams/new", {"name": "billing"})

    assert response.status_code == 409
    assert "already a team called billing" in response.content.decode()


def test_teams_have_an_empty_state(admin_client):
    assert "No teams yet" in admin_client.get("/settings/teams/").content.decode()


# ---- API tokens ----


def test_a_new_token_is_shown_once_and_works(admin_client, admin, agent):
    response = admin_client.post(
        "/settings/tokens/", {"name": "Shop integration", "user": agent.pk}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    plain = response.context["plain_token"]
    assert plain.startswith("rpt_")
    assert plain in response.content.decode()
    assert authenticate_token(plain) == agent
    assert plain not in admin_client.get("/settings/tokens/").content.decode()
    token = ApiToken.objects.get(name="Shop integration")
    assert audited("api_token.created", token).actor == admin


def test_a_token_needs_a_name(admin_client, admin):
    response = admin_client.post("/settings/tokens/", {"name": "", "user": admin.pk})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_a_token(admin_client, admin):
    admin_client.post("/settings/tokens/", {"name": "Old", "user": admin.pk})
    token = ApiToken.objects.get(name="Old")
    plain_prefix = f"rpt_{token.prefix}_"

    response = admin_client.post(f"/settings/tokens/{token.pk}/revoke", follow=True)

    token.refresh_from_db()
    assert not token.is_active
    assert authenticate_token(plain_prefix + "anything") is None
    assert "Revoked “Old”" in response.content.decode()
    assert audited("api_token.revoked", token).actor == admin


def test_revoking_needs_a_post(admin_client, admin):
    admin_client.post("/settings/tokens/", {"name": "Keep", "user": admin.pk})
    token = ApiToken.objects.get()

    assert admin_client.get(f"/settings/tokens/{token.pk}/revoke").status_code == 405


def test_tokens_can_only_belong_to_active_staff(admin_client):
    gone = UserFactory(is_active=False)

    response = admin_client.post("/settings/tokens/", {"name": "x", "user": gone.pk})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


# ---- absurd ids ----

HUGE = "9" * 25


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/settings/teams/new", {"name": "X", "members": [HUGE]}),
        ("/settings/inboxes/new", {"name": "X", "kind": "webform", "members": [HUGE]}),
        ("/settings/tokens/", {"name": "X", "user": HUGE}),
    ],
)
def test_an_absurd_id_is_an_invalid_choice_not_a_crash(admin_client, path, data):
    response = admin_client.post(path, data)

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_internal_webhook_url_is_refused_on_its_field(admin_client):
    """Hole 2 of issue 21: the settings form refuses loopback and metadata addresses."""
    for url in ("http://169.254.169.254/latest/meta-data/", "http://localhost:8000/hook"):
        response = admin_client.post(
            "/settings/inboxes/new", {"name": "Shop", "kind": "api", "webhook_url": url}
        )
        assert response.status_code == 400
        assert "internal address" in response.content.decode()
    assert not Inbox.objects.filter(name="Shop").exists()
