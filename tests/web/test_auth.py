"""Signing in by e-mail, signing out, and resetting a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from rapport.accounts.models import User
from tests.factories import PASSWORD


def test_the_inbox_asks_anonymous_visitors_to_sign_in(db):
    response = Client().get("/inbox")

    assert response.status_code == 302
    assert response["Location"] == "/login?next=/inbox"


def test_the_root_leads_to_the_inbox(agent_client):
    response = agent_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/inbox"


def test_the_login_page_asks_for_an_email_and_a_password(db):
    response = Client().get("/login")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="email" name="username"' in html
    assert 'type="password" name="password"' in html
    assert "Forgot it?" in html


def test_signing_in_by_email_opens_the_inbox(agent):
    client = Client()

    response = client.post("/login", {"username": "MARIA@shop.example", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/inbox"
    assert client.get("/inbox").status_code == 200


def test_signing_in_returns_to_the_page_asked_for(agent, conversation):
    url = f"/conversations/{conversation.pk}"

    response = Client().post("/login", {"username": agent.email, "password": PASSWORD, "next": url})

    assert response["Location"] == url


def test_a_wrong_password_is_refused_with_a_clear_message(agent):
    response = Client().post("/login", {"username": agent.email, "password": "nope"})

    assert response.status_code == 400
    assert "do not match a seat" in response.content.decode()


def test_a_deactivated_agent_cannot_sign_in(agent):
    agent.is_active = False
    agent.save()

    response = Client().post("/login", {"username": agent.email, "password": PASSWORD})

    assert response.status_code == 400


def test_too_many_attempts_from_one_address_are_slowed_down(agent):
    cache.clear()
    client = Client()
    for _ in range(20):
        client.post("/login", {"username": agent.email, "password": "wrong"})

    response = client.post("/login", {"username": agent.email, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    cache.clear()


def test_signing_out_ends_the_session(agent_client):
    response = agent_client.post("/logout")

    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert agent_client.get("/inbox").status_code == 302


def test_signing_out_needs_a_post(agent_client):
    assert agent_client.get("/logout").status_code == 405


def reset_link(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/password/reset/\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_a_password_reset_link_arrives_by_email_and_sets_a_new_password(agent):
    client = Client()

    response = client.post("/password/reset", {"email": agent.email})

    assert response["Location"] == "/password/reset/sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]
    assert mail.outbox[0].subject == "Choose a new password for Rapport"
    form_url = client.get(reset_link(mail.outbox[0])).url  # Django swaps the token for a session
    new = "a brand new passphrase 42"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/password/reset/done"
    assert User.objects.get(pk=agent.pk).check_password(new)


def test_a_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(db):
    response = Client().post("/password/reset", {"email": "nobody@shop.example"})

    assert response["Location"] == "/password/reset/sent"
    assert mail.outbox == []


def test_an_agent_can_change_their_password(agent_client, agent):
    new = "another good passphrase 7"

    response = agent_client.post(
        "/password/change",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response["Location"] == "/password/change/done"
    agent.refresh_from_db()
    assert agent.check_password(new)


@pytest.mark.parametrize("path", ["/login", "/password/reset"])
def test_sign_in_pages_carry_no_inline_script(db, path):
    html = Client().get(path).content.decode()

    assert "<script>" not in html
    assert " onclick=" not in html


def test_an_htmx_request_after_the_session_ended_leads_to_sign_in(db, conversation):
    response = Client().post(
        f"/conversations/{conversation.pk}/note",
        {"text": "hi"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/conversations/{conversation.pk}",
    )

    assert response.status_code == 401
    assert response["HX-Redirect"] == f"/login?next=%2Fconversations%2F{conversation.pk}"
