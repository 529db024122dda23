"""The list and conversation pages cost a fixed number of queries, however many rows they show.

A page that grows by one query per row (an N+1) is fast in a demo and slow at a million
conversations; these tests pin the count, and compare a small page with a full one.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.models import Direction, Priority, Tag
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    TeamFactory,
    UserFactory,
)

# session, user, visible inboxes, rows, their tags, teams, tab counts (4), filter menus (3)
INBOX_LIST_QUERIES = 13
# session, user, conversation, visible inboxes, tags, agents, teams, messages, attachments,
# identities, other conversations, staff, sidebar counts (3)
CONVERSATION_PAGE_QUERIES = 15


def fill_inbox(inbox, agent, count: int) -> None:
    """``count`` conversations, each with a different customer, assignee, team and two tags."""
    tags = [Tag.objects.get_or_create(name=f"tag{i}")[0] for i in range(4)]
    now = timezone.now()
    for i in range(count):
        assignee = UserFactory()
        inbox.members.add(assignee)
        conversation = ConversationFactory(
            inbox=inbox,
            customer=CustomerFactory(),
            assignee=assignee if i % 3 else agent,
            team=TeamFactory(),
            priority=Priority.HIGH,
            last_activity_at=now - timedelta(minutes=i),
            waiting_since=now - timedelta(minutes=i),
        )
        conversation.tags.add(tags[i % 4], tags[(i + 1) % 4])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_inbox_list_of_25_rows_stays_within_its_query_budget(
    agent_client, agent, webform_inbox, django_assert_max_num_queries
):
    fill_inbox(webform_inbox, agent, 25)

    with django_assert_max_num_queries(INBOX_LIST_QUERIES):
        response = agent_client.get("/inbox")

    assert len(response.context["page"].items) == 25
    html = response.content.decode()
    assert html.count('class="chip chip-tag"') == 50
    assert html.count('title="Assigned to ') == 25


def test_the_inbox_list_costs_the_same_for_1_and_25_rows(
    agent_client, agent, webform_inbox, api_inbox
):
    fill_inbox(webform_inbox, agent, 1)
    one = queries_for(agent_client, "/inbox")
    fill_inbox(api_inbox, agent, 24)

    full = queries_for(agent_client, "/inbox")

    assert full == one


def test_load_more_costs_the_same_as_the_first_page(agent_client, agent, webform_inbox):
    fill_inbox(webform_inbox, agent, 60)
    cursor = agent_client.get("/inbox").context["page"].next_cursor

    with CaptureQueriesContext(connection) as captured:
        agent_client.get(f"/inbox?after={cursor}&partial=rows", HTTP_HX_REQUEST="true")

    assert len(captured) <= 6  # session, user, visible inboxes, rows, tags (+ savepoints)


def fill_conversation(conversation, agent, count: int) -> None:
    """``count`` messages alternating customer, agent reply and note, each with two files."""
    directions = [Direction.INBOUND, Direction.OUTBOUND, Direction.NOTE]
    for i in range(count):
        direction = directions[i % 3]
        message = MessageFactory(
            conversation=conversation,
            direction=direction,
            author=None if direction == Direction.INBOUND else UserFactory(),
        )
        for n in range(2):
            upload = SimpleUploadedFile(f"file{i}-{n}.txt", b"contents", "text/plain")
            store_attachments(message, [upload])
    actions.add_note(conversation=conversation, author=agent, text="@maria see above")


def test_the_conversation_page_with_20_messages_stays_within_its_query_budget(
    agent_client, agent, conversation, django_assert_max_num_queries
):
    fill_conversation(conversation, agent, 19)

    with django_assert_max_num_queries(CONVERSATION_PAGE_QUERIES):
        response = agent_client.get(f"/conversations/{conversation.pk}")

    html = response.content.decode()
    assert html.count('<li class="msg ') == 21
    assert html.count('class="attachment"') == 38


def test_the_conversation_page_costs_the_same_for_2_and_20_messages(
    agent_client, agent, conversation, webform_inbox
):
    fill_conversation(conversation, agent, 1)
    small = queries_for(agent_client, f"/conversations/{conversation.pk}")
    fill_conversation(conversation, agent, 18)

    full = queries_for(agent_client, f"/conversations/{conversation.pk}")

    assert full == small
