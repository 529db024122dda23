"""HTML in anything a customer (or anyone) typed stays inert wherever the web app shows it."""

from __future__ import annotations

import pytest

from rapport.accounts.models import Team
from rapport.conversations import actions
from rapport.conversations.models import Message
from rapport.customers.models import Company
from tests.factories import UserFactory
from tests.web.conftest import HOSTILE, receive

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_inert(html: str) -> None:
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html


@pytest.fixture
def hostile(webform_inbox, agent):
    conversation = receive(
        webform_inbox, "mallory@mail.example", customer_name=HOSTILE, subject=HOSTILE, text=HOSTILE
    )
    conversation.customer.company = Company.objects.create(name=HOSTILE)
    conversation.customer.save()
    actions.set_tags(conversation=conversation, actor=agent, names=["<b>bold</b>"])
    return conversation


def test_the_inbox_list_shows_hostile_names_subjects_and_previews_as_text(agent_client, hostile):
    html = agent_client.get("/inbox").content.decode()

    assert_inert(html)
    assert html.count(ESCAPED) >= 3  # name, subject, preview
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_the_inbox_list_shows_hostile_team_and_staff_names_as_text(agent_client, hostile):
    hostile.team = Team.objects.create(name=HOSTILE)
    hostile.assignee = UserFactory(name=HOSTILE)
    hostile.save()

    html = agent_client.get("/inbox?view=all").content.decode()

    assert_inert(html)
    assert html.count(ESCAPED) >= 5  # name, subject, preview, team, "Assigned to …"


def test_the_conversation_page_shows_hostile_input_as_text(agent_client, hostile):
    html = agent_client.get(f"/conversations/{hostile.pk}").content.decode()

    assert_inert(html)
    assert html.count(ESCAPED) >= 4  # title, customer, company, message
    assert 'value="&lt;b&gt;bold&lt;/b&gt;"' in html


def test_hostile_notes_keep_their_mentions_but_lose_their_html(
    agent_client, agent, hostile, light_seat
):
    actions.add_note(conversation=hostile, author=agent, text=f"@lee {HOSTILE} @lee<script>")

    html = agent_client.get(f"/conversations/{hostile.pk}").content.decode()

    assert_inert(html)
    assert '<span class="mention">@lee</span> ' + ESCAPED in html
    assert "&lt;script&gt;" in html


def test_stored_html_is_sanitised_again_when_shown(agent_client, hostile):
    Message.objects.filter(conversation=hostile).update(
        html='<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:alert(1)">x</a>'
    )

    html = agent_client.get(f"/conversations/{hostile.pk}").content.decode()

    assert "<p>Hi</p>" in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "<script>alert" not in html


def test_a_hostile_staff_name_cannot_break_out_of_the_mention_data(agent_client, conversation):
    UserFactory(name="</script><script>alert(1)</script>", email="evil@shop.example")

    html = agent_client.get(f"/conversations/{conversation.pk}").content.decode()

    assert "</script><script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html


def test_the_mentions_page_shows_hostile_notes_as_text(agent, light_seat, hostile):
    actions.add_note(conversation=hostile, author=agent, text=f"@lee {HOSTILE}")
    from tests.conftest import logged_in

    html = logged_in(light_seat).get("/mentions").content.decode()

    assert_inert(html)
    assert ESCAPED in html


def test_links_in_messages_are_clickable_but_never_javascript(agent_client, webform_inbox):
    conversation = receive(
        webform_inbox, "l@mail.example", text="See https://shop.example/o/1 and javascript:alert(1)"
    )

    html = agent_client.get(f"/conversations/{conversation.pk}").content.decode()

    assert '<a href="https://shop.example/o/1" rel="nofollow">https://shop.example/o/1</a>' in html
    assert 'href="javascript:' not in html
