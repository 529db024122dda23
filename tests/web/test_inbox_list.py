"""The inbox list: views, status tabs, filters, sorting and keyset pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations import actions
from rapport.conversations.models import Priority, Status, Tag
from tests.factories import ConversationFactory, TeamFactory, UserFactory
from tests.web.conftest import receive


def numbers(response) -> list[int]:
    """The conversation numbers a list page shows, top to bottom."""
    return [c.pk for c in response.context["page"].items]


@pytest.fixture
def mixed(webform_inbox, api_inbox, agent):
    """Four open conversations: mine, unassigned, a team's, and one in the API inbox."""
    team = TeamFactory(name="Billing")
    mine = receive(webform_inbox, "a@mail.example", subject="Mine")
    actions.assign_conversation(conversation=mine, actor=agent, assignee=agent)
    loose = receive(webform_inbox, "b@mail.example", subject="Loose")
    teamed = receive(webform_inbox, "c@mail.example", subject="Teamed")
    actions.assign_conversation(conversation=teamed, actor=agent, assignee=None, team=team)
    api = receive(api_inbox, "d@mail.example", subject="Api")
    return {"mine": mine, "loose": loose, "teamed": teamed, "api": api, "team": team}


def test_all_lists_every_open_conversation_newest_first(agent_client, mixed):
    response = agent_client.get("/inbox")

    assert response.status_code == 200
    assert numbers(response) == [
        mixed["api"].pk,
        mixed["teamed"].pk,
        mixed["loose"].pk,
        mixed["mine"].pk,
    ]
    assert response.context["title"] == "All conversations"


def test_mine_lists_what_is_assigned_to_me(agent_client, mixed):
    response = agent_client.get("/inbox?view=mine")

    assert numbers(response) == [mixed["mine"].pk]
    assert '<h1 class="page-title">Mine</h1>' in response.content.decode()


def test_unassigned_lists_what_nobody_has(agent_client, mixed):
    response = agent_client.get("/inbox?view=unassigned")

    assert numbers(response) == [mixed["api"].pk, mixed["teamed"].pk, mixed["loose"].pk]


def test_a_team_view_lists_the_team_s_conversations(agent_client, mixed):
    response = agent_client.get(f"/inbox?view=team:{mixed['team'].pk}")

    assert numbers(response) == [mixed["teamed"].pk]
    assert response.context["title"] == "Billing"


def test_the_sidebar_shows_views_teams_and_their_counts(agent_client, mixed):
    html = agent_client.get("/inbox?view=mine").content.decode()

    assert 'href="/inbox?view=mine" aria-current="page"' in html
    assert '<span>Mine</span><span class="count">1</span>' in html
    assert '<span>Unassigned</span><span class="count">3</span>' in html
    assert '<span>All</span><span class="count">4</span>' in html
    assert f'href="/inbox?view=team:{mixed["team"].pk}"' in html
    assert 'href="/mentions"' in html


def test_status_tabs_switch_and_show_counts(agent_client, mixed, agent):
    actions.change_status(conversation=mixed["loose"], actor=agent, status=Status.PENDING)

    response = agent_client.get("/inbox?status=pending")

    assert numbers(response) == [mixed["loose"].pk]
    tabs = {value: count for value, _label, count in response.context["tabs"]}
    assert tabs == {"open": 3, "pending": 1, "snoozed": 0, "resolved": 0}


def test_filters_by_inbox(agent_client, mixed, api_inbox):
    response = agent_client.get(f"/inbox?inbox={api_inbox.pk}")

    assert numbers(response) == [mixed["api"].pk]


def test_filters_by_tag(agent_client, mixed, agent):
    actions.set_tags(conversation=mixed["loose"], actor=agent, names=["Refund"])

    response = agent_client.get("/inbox?tag=refund")

    assert numbers(response) == [mixed["loose"].pk]
    assert "#" not in response.context["filters"].tag


def test_filters_by_priority(agent_client, mixed, agent):
    actions.set_priority(conversation=mixed["api"], actor=agent, priority=Priority.URGENT)

    response = agent_client.get(f"/inbox?priority={Priority.URGENT}")

    assert numbers(response) == [mixed["api"].pk]


def test_filters_by_assignee(agent_client, mixed, agent):
    response = agent_client.get(f"/inbox?assignee={agent.pk}")

    assert numbers(response) == [mixed["mine"].pk]


def test_waiting_sort_puts_the_longest_wait_first(agent_client, webform_inbox):
    now = timezone.now()
    recent = ConversationFactory(inbox=webform_inbox, waiting_since=now - timedelta(minutes=5))
    oldest = ConversationFactory(inbox=webform_inbox, waiting_since=now - timedelta(hours=9))
    ConversationFactory(inbox=webform_inbox, waiting_since=None)  # answered: not waiting

    response = agent_client.get("/inbox?sort=waiting")

    assert numbers(response) == [oldest.pk, recent.pk]


def test_an_empty_view_explains_itself(agent_client, webform_inbox):
    html = agent_client.get("/inbox?view=mine").content.decode()

    assert "Nothing assigned to you" in html


def test_no_match_offers_to_clear_the_filters(agent_client, mixed):
    html = agent_client.get("/inbox?priority=4").content.decode()

    assert "No conversations match these filters" in html
    assert "Clear filters" in html


def test_rows_show_customer_subject_preview_inbox_assignee_tags_and_wait(
    agent_client, agent, webform_inbox
):
    conversation = receive(
        webform_inbox,
        "erin@mail.example",
        customer_name="Erin Ek",
        subject="Broken zip",
        text="The zip broke on day one.",
    )
    actions.assign_conversation(conversation=conversation, actor=agent, assignee=agent)
    actions.set_tags(conversation=conversation, actor=agent, names=["defect"])
    actions.set_priority(conversation=conversation, actor=agent, priority=Priority.HIGH)

    html = agent_client.get("/inbox").content.decode()

    assert "Erin Ek" in html
    assert "Broken zip" in html
    assert "The zip broke on day one." in html
    assert f"Support · #{conversation.pk}" in html
    assert 'title="Assigned to Maria Agent"' in html
    assert '<span class="chip chip-tag">defect</span>' in html
    assert "High" in html
    assert "Waiting now" in html
    assert f'href="/conversations/{conversation.pk}"' in html


def test_an_agent_never_sees_conversations_of_inboxes_they_are_not_in(
    agent_client, hidden_conversation
):
    response = agent_client.get("/inbox")

    assert hidden_conversation.pk not in numbers(response)
    assert "Bulk order" not in response.content.decode()


def many(inbox, count: int) -> list:
    start = timezone.now()
    return [
        ConversationFactory(inbox=inbox, last_activity_at=start - timedelta(minutes=i))
        for i in range(count)
    ]


def test_load_more_continues_after_the_last_row_with_htmx(agent_client, webform_inbox, htmx):
    made = many(webform_inbox, 30)
    first = agent_client.get("/inbox")
    cursor = first.context["page"].next_cursor
    assert numbers(first) == [c.pk for c in made[:25]]
    assert "data-load-more" in first.content.decode()

    more = agent_client.get(f"/inbox?after={cursor}&partial=rows", **htmx)

    assert more.status_code == 200
    assert [c.pk for c in more.context["page"].items] == [c.pk for c in made[25:]]
    html = more.content.decode()
    assert "<html" not in html
    assert "data-load-more" not in html  # the last page
    assert "HX-Request" in more["Vary"]


def test_load_more_without_javascript_opens_the_next_page(agent_client, webform_inbox):
    made = many(webform_inbox, 27)
    cursor = agent_client.get("/inbox").context["page"].next_cursor

    response = agent_client.get(f"/inbox?after={cursor}&partial=rows")

    assert "<html" in response.content.decode()
    assert numbers(response) == [c.pk for c in made[25:]]
    assert "Back to the newest" in response.content.decode()


def test_new_activity_does_not_shift_the_next_page(agent_client, webform_inbox, agent):
    made = many(webform_inbox, 27)
    cursor = agent_client.get("/inbox").context["page"].next_cursor
    receive(webform_inbox, "new@mail.example", subject="Brand new")

    response = agent_client.get(f"/inbox?after={cursor}")

    assert numbers(response) == [c.pk for c in made[25:]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=bogus", "status must be one of"),
        ("view=everything", "view must be mine, unassigned, all or team:&lt;id&gt;"),
        ("inbox=abc", "inbox must be a number"),
        ("assignee=-1", "assignee must be a number"),
        ("inbox=" + "9" * 25, "inbox must be a number"),
        ("view=team:abc", "view must be mine, unassigned, all or team:&lt;id&gt;"),
        ("after=W10", "the page cursor is not valid"),
        ("after=bnVsbA", "the page cursor is not valid"),
        ("after=WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgNV0", "the page cursor is not valid"),  # naive
        ("priority=9", "priority must be one of"),
        ("sort=random", "sort must be one of"),
        ("after=not-a-cursor", "the page cursor is not valid"),
        ("tag=" + "x" * 51, "a tag has at most 50 characters"),
    ],
)
def test_bad_filter_values_get_a_clear_400_page(agent_client, query, message):
    response = agent_client.get(f"/inbox?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert message[0].upper() + message[1:] in html
    assert "That did not work" in html


def test_a_team_view_of_an_unknown_team_is_empty_not_an_error(agent_client, mixed):
    response = agent_client.get("/inbox?view=team:99999")

    assert response.status_code == 200
    assert numbers(response) == []


def test_filter_choices_list_visible_inboxes_tags_and_agents(
    agent_client, webform_inbox, api_inbox, other_inbox
):
    Tag.objects.create(name="vip")
    UserFactory(name="Zed Agent")

    context = agent_client.get("/inbox").context

    assert [inbox.name for inbox in context["inbox_choices"]] == ["Shop integration", "Support"]
    assert "vip" in context["tag_choices"]
    assert "Zed Agent" in [person.name for person in context["assignee_choices"]]
