"""Settings → API tokens for every staff member: their own tokens, read only or limited to
some inboxes, with an expiry; admins also for others, and see everyone's."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.accounts.models import ApiToken
from rapport.accounts.tokens import authenticate_token


def test_an_agent_makes_a_read_only_token_for_some_inboxes(agent_client, agent, webform_inbox):
    day = (timezone.localdate() + timedelta(days=30)).isoformat()

    response = agent_client.post(
        "/settings/tokens/",
        {"name": "Reports", "access": "read", "inboxes": [webform_inbox.pk], "expires_on": day},
    )

    assert response.status_code == 200
    plain = response.context["plain_token"]
    token = ApiToken.objects.get(name="Reports")
    assert (token.user, token.created_by, token.access) == (agent, agent, "read")
    assert list(token.inboxes.all()) == [webform_inbox]
    assert token.expires_at.date().isoformat() == day
    user = authenticate_token(plain)
    assert user is not None
    assert user.read_only is True
    assert user.inbox_limit == frozenset({webform_inbox.pk})
    html = response.content.decode()
    assert "Read only" in html
    assert "Support" in html  # the inbox it is limited to, in the list


def test_a_non_admin_cannot_pick_someone_else(agent_client, agent, admin):
    page = agent_client.get("/settings/tokens/").content.decode()
    assert 'name="user"' not in page

    agent_client.post("/settings/tokens/", {"name": "Sneaky", "user": admin.pk})

    assert ApiToken.objects.get(name="Sneaky").user == agent


def test_an_inbox_the_agent_does_not_see_is_not_offered(agent_client, other_inbox):
    page = agent_client.get("/settings/tokens/").content.decode()
    assert "Wholesale" not in page

    response = agent_client.post("/settings/tokens/", {"name": "Wide", "inboxes": [other_inbox.pk]})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.filter(name="Wide").exists()


def test_an_expiry_today_or_before_is_refused(agent_client):
    today = timezone.localdate().isoformat()

    response = agent_client.post("/settings/tokens/", {"name": "Short", "expires_on": today})

    assert response.status_code == 400
    assert "Choose a day after today." in response.content.decode()


def test_each_sees_their_own_tokens_and_admins_see_all(agent_client, admin_client, outsider):
    from rapport.accounts.tokens import create_token

    create_token(user=outsider, name="Olga's script")
    mine, _raw = create_token(user=outsider, name="x")

    assert "Olga's script" not in agent_client.get("/settings/tokens/").content.decode()
    assert "Olga&#x27;s script" in admin_client.get("/settings/tokens/").content.decode()
    refused = agent_client.post(f"/settings/tokens/{mine.pk}/revoke")
    assert refused.status_code == 404
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is None


def test_expired_tokens_show_as_expired(admin_client, admin):
    from rapport.accounts.tokens import create_token

    token, _raw = create_token(user=admin, name="Last year")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))

    html = admin_client.get("/settings/tokens/").content.decode()

    assert "Expired" in html
