"""List endpoints cost a fixed number of queries, however many rows they return."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.conversations.models import Tag
from tests.api.conftest import Api
from tests.factories import ConversationFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db


def make_conversations(inbox, assignee, count: int) -> None:
    team = TeamFactory()
    tags = [Tag.objects.create(name=f"tag-{n}") for n in range(3)]
    for _ in range(count):
        conversation = ConversationFactory(inbox=inbox, assignee=assignee, team=team)
        conversation.tags.set(tags)


def warmed_up(user) -> Api:
    """A client whose token was used once already (the first use records ``last_used_at``)."""
    api = Api(user)
    assert api.get("/agents/me").status_code == 200
    return api


def queries_for(api: Api, path: str, **params: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, **params)
    assert response.status_code == 200
    return len(queries)


def test_the_conversation_list_does_not_grow_with_rows(
    agent, webform_inbox, django_assert_max_num_queries
):
    make_conversations(webform_inbox, agent, 25)
    api = warmed_up(agent)
    one_row = queries_for(api, "/conversations", limit=1)

    # token and user, the agent's inboxes, the page (with customer, assignee, inbox, team),
    # and the tags of the page.
    with django_assert_max_num_queries(4):
        response = api.get("/conversations", limit=25)

    assert len(response.json()["items"]) == 25
    assert queries_for(api, "/conversations", limit=25) == one_row


def test_the_customer_list_does_not_grow_with_rows(
    agent, webform_inbox, django_assert_max_num_queries
):
    make_conversations(webform_inbox, None, 25)
    api = warmed_up(agent)
    one_row = queries_for(api, "/customers", limit=1)

    with django_assert_max_num_queries(4):
        response = api.get("/customers", limit=25)

    assert len(response.json()["items"]) == 25
    assert queries_for(api, "/customers", limit=25) == one_row


def test_the_timeline_does_not_grow_with_rows(agent, conversation, django_assert_max_num_queries):
    MessageFactory.create_batch(25, conversation=conversation, author=agent)
    api = warmed_up(agent)
    path = f"/conversations/{conversation.pk}/messages"
    one_row = queries_for(api, path, limit=1)

    # token, the conversation, the agent's inboxes (access check), the messages with
    # their authors, their attachments.
    with django_assert_max_num_queries(5):
        response = api.get(path, limit=25)

    assert len(response.json()["items"]) == 25
    assert queries_for(api, path, limit=25) == one_row
