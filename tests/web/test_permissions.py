"""Who may see and change what, through the web app (the same rules as the API)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.conversations import actions
from rapport.conversations.models import Status
from tests.conftest import logged_in
from tests.web.conftest import receive

CHANGES = {
    "reply": {"text": "Hi"},
    "note": {"text": "Hi"},
    "assign": {"assignee": "me"},
    "status": {"status": "resolved"},
    "priority": {"priority": "3"},
    "tags": {"tags": "x"},
}
SETTINGS_PAGES = [
    "/settings/",
    "/settings/inboxes/",
    "/settings/inboxes/new",
    "/settings/agents/",
    "/settings/agents/new",
    "/settings/teams/",
    "/settings/teams/new",
]
# Settings → API tokens and Sign-in are open to every staff member, for their own tokens and
# two-factor (tests/web/test_api_tokens.py, test_two_factor.py).


@pytest.fixture
def outsider_client(outsider) -> Client:
    return logged_in(outsider)


def test_an_agent_outside_the_inbox_gets_404_for_the_page(outsider_client, conversation):
    response = outsider_client.get(f"/conversations/{conversation.pk}")

    assert response.status_code == 404
    assert "Where is my order?" not in response.content.decode()


def test_a_hidden_conversation_looks_exactly_like_a_missing_one(outsider_client, conversation):
    hidden = outsider_client.get(f"/conversations/{conversation.pk}")
    missing = outsider_client.get("/conversations/999999")

    assert hidden.status_code == missing.status_code == 404
    assert f"Conversation {conversation.pk} not found" in hidden.content.decode()
    assert "Conversation 999999 not found" in missing.content.decode()


@pytest.mark.parametrize("action", sorted(CHANGES))
def test_an_agent_outside_the_inbox_gets_404_for_every_change(
    outsider_client, conversation, action
):
    response = outsider_client.post(f"/conversations/{conversation.pk}/{action}", CHANGES[action])

    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.assignee is None
    assert conversation.messages.count() == 1


def test_an_agent_outside_the_inbox_gets_404_for_retry_and_fragments(
    outsider_client, agent, conversation
):
    reply = actions.send_reply(conversation=conversation, author=agent, text="x")

    retry = outsider_client.post(f"/conversations/{conversation.pk}/messages/{reply.pk}/retry")
    fragment = outsider_client.get(
        f"/conversations/{conversation.pk}/messages/{reply.pk}", HTTP_HX_REQUEST="true"
    )

    assert retry.status_code == fragment.status_code == 404


def test_an_agent_outside_the_inbox_gets_404_for_its_attachments(outsider_client, webform_inbox):
    upload = SimpleUploadedFile("secret.txt", b"secret", "text/plain")
    conversation = receive(webform_inbox, "x@mail.example", attachments=[upload])
    attachment = conversation.messages.get().attachments.get()

    response = outsider_client.get(f"/attachments/{attachment.pk}")

    assert response.status_code == 404
    assert b"secret" not in response.content


def test_an_agent_sees_conversations_of_their_inboxes_only(
    agent_client, conversation, hidden_conversation
):
    assert agent_client.get(f"/conversations/{conversation.pk}").status_code == 200
    assert agent_client.get(f"/conversations/{hidden_conversation.pk}").status_code == 404


@pytest.mark.parametrize("role_fixture", ["admin", "supervisor"])
def test_admins_and_supervisors_see_every_inbox(request, role_fixture, hidden_conversation):
    client = logged_in(request.getfixturevalue(role_fixture))

    page = client.get(f"/conversations/{hidden_conversation.pk}")
    reply = client.post(f"/conversations/{hidden_conversation.pk}/reply", {"text": "Hello"})

    assert page.status_code == 200
    assert reply.status_code == 302


def test_a_light_seat_sees_no_reply_box_and_no_property_forms(light_client, conversation):
    html = light_client.get(f"/conversations/{conversation.pk}").content.decode()

    assert f"/conversations/{conversation.pk}/reply" not in html
    assert "Send and resolve" not in html
    assert f'formaction="/conversations/{conversation.pk}/note"' in html
    assert "With a light seat you add internal notes" in html
    assert f'action="/conversations/{conversation.pk}/assign"' not in html
    assert 'class="props-read"' in html


def test_a_light_seat_trying_to_reply_gets_a_clear_403(light_client, conversation):
    response = light_client.post(f"/conversations/{conversation.pk}/reply", {"text": "Hi"})

    assert response.status_code == 403
    assert (
        "A light seat can add internal notes but cannot reply to customers"
        in response.content.decode()
    )
    assert conversation.messages.count() == 1


def test_a_light_seat_reply_through_htmx_gets_the_message_as_an_alert(light_client, conversation):
    response = light_client.post(
        f"/conversations/{conversation.pk}/reply", {"text": "Hi"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 403
    assert "data-flash>A light seat can add internal notes" in response.content.decode()


def test_a_light_seat_can_add_a_note(light_client, conversation):
    response = light_client.post(f"/conversations/{conversation.pk}/note", {"text": "Noted"})

    assert response.status_code == 302
    assert conversation.messages.filter(text="Noted", direction="note").exists()


@pytest.mark.parametrize("action", ["assign", "status", "priority", "tags"])
def test_a_light_seat_cannot_change_the_conversation(light_client, conversation, action):
    response = light_client.post(f"/conversations/{conversation.pk}/{action}", CHANGES[action])

    assert response.status_code == 403
    assert "light seat" in response.content.decode()


def test_a_mentioned_colleague_outside_the_inbox_can_read_and_note_but_not_reply(
    outsider_client, outsider, agent, conversation
):
    actions.add_note(conversation=conversation, author=agent, text="@olga do you know this?")

    page = outsider_client.get(f"/conversations/{conversation.pk}")
    note = outsider_client.post(f"/conversations/{conversation.pk}/note", {"text": "Yes"})
    reply = outsider_client.post(f"/conversations/{conversation.pk}/reply", {"text": "Hi"})
    assign = outsider_client.post(f"/conversations/{conversation.pk}/assign", {"assignee": "me"})

    assert page.status_code == 200
    assert "You are not a member of this inbox" in page.content.decode()
    assert note.status_code == 302
    assert reply.status_code == assign.status_code == 403
    assert "only members of this inbox" in reply.content.decode().lower()


@pytest.mark.parametrize("path", SETTINGS_PAGES)
@pytest.mark.parametrize("who", ["agent", "supervisor", "light_seat"])
def test_settings_are_refused_to_everyone_but_admins(request, who, path):
    client = logged_in(request.getfixturevalue(who))

    response = client.get(path, follow=True)

    assert response.status_code == 403
    assert "Only admins can change" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/settings/inboxes/new", "/settings/agents/new", "/settings/teams/new"],
)
def test_settings_writes_are_refused_to_non_admins(agent_client, path):
    response = agent_client.post(path, {"name": "Sneaky", "email": "s@x.example", "role": "admin"})

    assert response.status_code == 403


def test_an_agent_does_not_see_the_settings_link(agent_client, admin_client):
    assert 'href="/settings/"' not in agent_client.get("/inbox").content.decode()
    assert 'href="/settings/"' in admin_client.get("/inbox").content.decode()


@pytest.mark.parametrize("path", ["/settings/inboxes/", "/mentions", "/attachments/1"])
def test_anonymous_visitors_are_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")
