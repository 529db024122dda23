"""Settings → Canned replies: admins and supervisors list, create, edit and delete them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from rapport.replies.models import CannedReply
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

LIST = "/settings/canned-replies/"
NEW = "/settings/canned-replies/new"
PREVIEW = "/settings/canned-replies/preview"


def edit_url(reply: CannedReply) -> str:
    return f"/settings/canned-replies/{reply.pk}"


def test_the_list_shows_each_reply_with_its_scope(admin_client, everywhere, for_support):
    html = admin_client.get(LIST).content.decode()

    assert "/thanks" in html
    assert "Thanks for waiting" in html
    assert "All inboxes" in html
    assert "/shipping" in html
    assert "Support" in html
    assert f'href="{edit_url(for_support)}"' in html


def test_an_empty_list_invites_to_create_the_first(admin_client):
    html = admin_client.get(LIST).content.decode()

    assert "No canned replies yet" in html
    assert f'href="{NEW}"' in html


def test_the_search_answers_htmx_with_just_the_rows(admin_client, everywhere, for_support):
    response = admin_client.get(LIST, {"q": "/ship"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.startswith('<div class="table-wrap" id="canned-rows">')
    assert "/shipping" in html
    assert "/thanks" not in html
    nothing = admin_client.get(LIST, {"q": "zebra"}, HTTP_HX_REQUEST="true").content.decode()
    assert "No canned replies match “zebra”" in nothing


def test_the_list_costs_the_same_queries_for_one_reply_or_twenty(admin_client, admin, other_inbox):
    from rapport.replies import actions

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(LIST).status_code == 200
        return len(captured)

    actions.create_canned_reply(actor=admin, shortcut="a", title="A", text="A", inbox=other_inbox)
    one = count()
    for i in range(20):
        actions.create_canned_reply(actor=admin, shortcut=f"r{i}", title="R", text="R")
    assert count() == one


def test_create_one_for_an_inbox(admin_client, admin, webform_inbox):
    response = admin_client.post(
        NEW,
        {
            "title": "Where is my order",
            "shortcut": "/Order",
            "inbox": webform_inbox.pk,
            "text": "Hi {{ customer.first_name }},\r\nyour order is on its way.",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    reply = CannedReply.objects.get()
    assert (reply.shortcut, reply.inbox, reply.created_by) == ("order", webform_inbox, admin)
    assert reply.text == "Hi {{ customer.first_name }},\nyour order is on its way."
    page = admin_client.get(LIST).content.decode()
    assert "Created the canned reply /order" in page


def test_a_supervisor_manages_canned_replies_too(supervisor_client):
    response = supervisor_client.post(
        NEW, {"title": "Hello", "shortcut": "hello", "inbox": "", "text": "Hello!"}
    )

    assert response.status_code == 302
    assert CannedReply.objects.get().inbox is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"shortcut": "two words"}, "shortcut", "Use up to 40 lower-case letters"),
        ({"text": "Hi {{ custmer.name }}"}, "text", "Unknown placeholder {{ custmer.name }}"),
        ({"text": "   "}, "text", "Write the reply agents will insert"),
        ({"title": ""}, "title", "This field is required."),
        ({"inbox": "99999999999999999999999"}, "inbox", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_next_to_its_field(admin_client, fields, field, message):
    data = {"title": "Hello", "shortcut": "hello", "inbox": "", "text": "Hello!"} | fields

    response = admin_client.post(NEW, data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert f'<p class="field-error">{escape(message)}' in response.content.decode()
    assert not CannedReply.objects.exists()


def test_a_taken_shortcut_is_a_conflict_shown_on_the_field(admin_client, everywhere):
    data = {"title": "Again", "shortcut": "thanks", "inbox": "", "text": "Again"}

    response = admin_client.post(NEW, data)

    assert response.status_code == 409
    assert "/thanks is already the canned reply" in response.context["form"].errors["shortcut"][0]


def test_edit_shows_the_reply_and_saves_changes(admin_client, for_support, api_inbox):
    page = admin_client.get(edit_url(for_support)).content.decode()
    assert "Shipping times" in page
    assert "Orders from {{ inbox.name }} ship within 2 days" in page
    assert "Delete" in page

    response = admin_client.post(
        edit_url(for_support),
        {"title": "Shipping", "shortcut": "ship", "inbox": api_inbox.pk, "text": "Soon."},
    )

    assert response.status_code == 302
    for_support.refresh_from_db()
    assert (for_support.shortcut, for_support.inbox, for_support.text) == (
        "ship",
        api_inbox,
        "Soon.",
    )


def test_delete_removes_it(admin_client, everywhere):
    response = admin_client.post(f"{edit_url(everywhere)}/delete")

    assert response.status_code == 302
    assert not CannedReply.objects.exists()
    assert "Deleted the canned reply /thanks" in admin_client.get(LIST).content.decode()


def test_delete_needs_a_post(admin_client, everywhere):
    assert admin_client.get(f"{edit_url(everywhere)}/delete").status_code == 405
    assert CannedReply.objects.exists()


def test_a_missing_reply_is_404(admin_client):
    assert admin_client.get("/settings/canned-replies/999").status_code == 404


def test_the_preview_fills_an_example_customer_and_flags_unknown_names(admin_client):
    text = "Hi {{ customer.first_name }}, {{ agent.name }} here. {{ shop.name }} <b>x</b>"

    html = admin_client.post(PREVIEW, {"text": text}).content.decode()

    assert "Hi Carol, Ada Admin here. {{ shop.name }} &lt;b&gt;x&lt;/b&gt;" in html
    assert "left as written: {{ shop.name }}" in html


@pytest.mark.parametrize("who", ["agent", "light_seat", "outsider"])
@pytest.mark.parametrize("path", [LIST, NEW, "edit", "delete", PREVIEW])
def test_agents_cannot_manage_canned_replies(request, who, path, everywhere):
    client = logged_in(request.getfixturevalue(who))
    path = {"edit": edit_url(everywhere), "delete": f"{edit_url(everywhere)}/delete"}.get(
        path, path
    )
    data = {"title": "Sneaky", "shortcut": "sneaky", "inbox": "", "text": "x"}

    got, posted = client.get(path), client.post(path, data)

    assert got.status_code in {403, 405}
    assert posted.status_code == 403
    assert "Only admins and supervisors can manage canned replies" in posted.content.decode()
    assert list(CannedReply.objects.all()) == [everywhere]


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_supervisors_see_only_the_canned_replies_tab_and_a_settings_link_to_it(
    supervisor_client, admin_client
):
    supervisor_page = supervisor_client.get(LIST).content.decode()
    assert 'href="/settings/canned-replies/"' in supervisor_page
    assert 'href="/settings/agents/"' not in supervisor_page
    inbox_page = supervisor_client.get("/inbox").content.decode()
    assert 'href="/settings/canned-replies/"' in inbox_page  # the sidebar's Settings

    admin_page = admin_client.get(LIST).content.decode()
    assert 'href="/settings/agents/"' in admin_page
    assert 'aria-current="page">' in admin_page


def test_agents_see_no_settings_link(agent_client):
    html = agent_client.get("/inbox").content.decode()

    # Only their own sign-in and API tokens, from the user menu.
    assert "<span>Settings</span>" not in html
    assert "/settings/canned-replies" not in html


def test_the_pages_use_no_inline_scripts(admin_client, everywhere):
    import re

    for path in (LIST, NEW, edit_url(everywhere)):
        html = admin_client.get(path).content.decode()
        assert not re.search(r"\son[a-z]+=", html), path
        assert "<script>" not in html
