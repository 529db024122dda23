"""The reply box's picker: the canned replies a conversation is offered, and one filled in.

Who may use them: everyone who may open the conversation. A conversation an agent may not
see is 404, and so is a canned reply of another inbox.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.replies.models import CannedReply
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def offered_url(conversation) -> str:
    return f"/conversations/{conversation.pk}/canned"


def filled_url(conversation, reply: CannedReply) -> str:
    return f"/conversations/{conversation.pk}/canned/{reply.pk}"


def test_a_conversation_is_offered_its_inbox_replies_and_those_for_all_filled_in(
    agent_client, conversation, everywhere, for_support, for_wholesale
):
    response = agent_client.get(offered_url(conversation))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "items": [
            {
                "id": for_support.pk,
                "shortcut": "shipping",
                "title": "Shipping times",
                "preview": f"Orders from Support ship within 2 days (#{conversation.pk}).",
                "inbox": "Support",
            },
            {
                "id": everywhere.pk,
                "shortcut": "thanks",
                "title": "Thanks for waiting",
                "preview": "Hi Carol, thanks for waiting. — Maria",
                "inbox": None,
            },
        ]
    }


def test_the_list_is_one_query_whatever_its_length(agent_client, conversation, admin):
    from rapport.replies import actions

    for i in range(15):
        actions.create_canned_reply(actor=admin, shortcut=f"r{i}", title="R", text="x" * 500)
    with CaptureQueriesContext(connection) as captured:
        items = agent_client.get(offered_url(conversation)).json()["items"]

    assert len(items) == 15
    assert all(len(item["preview"]) == 140 for item in items)
    # session, user, conversation, visible inboxes, canned replies
    assert len(captured) == 5


def test_a_canned_reply_is_filled_in_for_the_conversation_and_the_agent(
    agent_client, conversation, everywhere, for_support
):
    thanks = agent_client.get(filled_url(conversation, everywhere))
    shipping = agent_client.get(filled_url(conversation, for_support)).json()

    assert thanks.status_code == 200
    assert thanks["Cache-Control"] == "no-store"
    assert thanks.json() == {
        "id": everywhere.pk,
        "shortcut": "thanks",
        "text": "Hi Carol, thanks for waiting. — Maria",
        "unknown": [],
    }
    assert shipping["text"] == (f"Orders from Support ship within 2 days (#{conversation.pk}).")


def test_a_placeholder_stored_before_it_was_known_is_reported(agent_client, conversation):
    # Saved directly: the actions refuse unknown placeholders, but an old reply may have one.
    reply = CannedReply.objects.create(
        shortcut="old", title="Old", text="Hi {{ customer.nickname }} {{ settings.SECRET_KEY }}"
    )

    body = agent_client.get(filled_url(conversation, reply)).json()

    assert body["text"] == "Hi {{ customer.nickname }} {{ settings.SECRET_KEY }}"
    assert body["unknown"] == ["{{ customer.nickname }}", "{{ settings.SECRET_KEY }}"]


def test_another_inbox_reply_is_not_offered_and_is_404(
    agent_client, admin_client, conversation, for_wholesale
):
    for client in (agent_client, admin_client):  # even an admin: it is not this inbox's
        response = client.get(filled_url(conversation, for_wholesale))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_conversation_the_agent_cannot_see_is_404(agent_client, hidden_conversation, everywhere):
    for url in (offered_url(hidden_conversation), filled_url(hidden_conversation, everywhere)):
        response = agent_client.get(url)
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "not_found",
                "message": f"conversation {hidden_conversation.pk} not found",
            }
        }


def test_a_missing_conversation_or_reply_is_404(agent_client, conversation):
    assert agent_client.get("/conversations/999999/canned").status_code == 404
    assert agent_client.get(f"/conversations/{conversation.pk}/canned/999999").status_code == 404
    huge = "9" * 30  # beyond any database integer: still "not found", not an error
    assert agent_client.get(f"/conversations/{huge}/canned/{huge}").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("supervisor", 200),
        ("agent", 200),
        ("light_seat", 200),  # a light seat writes notes, and may use canned text in them
        ("outsider", 404),
    ],
)
def test_who_may_use_canned_replies_in_a_conversation(
    request, who, status, conversation, everywhere
):
    client = logged_in(request.getfixturevalue(who))

    assert client.get(offered_url(conversation)).status_code == status
    assert client.get(filled_url(conversation, everywhere)).status_code == status


def test_signed_out_gets_401_json_not_a_redirect(client, conversation, everywhere):
    response = client.get(filled_url(conversation, everywhere))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_only_get_is_allowed(agent_client, conversation, everywhere):
    assert agent_client.post(filled_url(conversation, everywhere)).status_code == 405


def test_the_reply_box_has_the_picker(agent_client, conversation):
    html = agent_client.get(f"/conversations/{conversation.pk}").content.decode()

    assert f'data-canned-url="{offered_url(conversation)}"' in html
    assert "Canned reply" in html
    assert 'aria-haspopup="listbox"' in html
    assert 'href="/settings/canned-replies/"' not in html  # "Manage" is for managers only
