"""The agent app's search page and the box's results as you type, by the signed-in user."""

from __future__ import annotations

import pytest

from rapport.accounts.models import User
from rapport.inboxes.models import Inbox
from tests.conftest import logged_in
from tests.search.helpers import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_inboxes(webform_inbox: Inbox, other_inbox: Inbox) -> None:
    receive(webform_inbox, "teapot lid missing", email="a@example.com", name="Ann Mine")
    receive(other_inbox, "teapot spout cracked", email="w@example.com", name="Wu Theirs")


def test_the_page_shows_only_what_the_agent_may_see(agent: User, two_inboxes):
    page = logged_in(agent).get("/search", {"q": "teapot"}).content.decode()

    assert "<mark>teapot</mark> lid missing" in page
    assert "spout" not in page
    assert "Wu Theirs" not in page


def test_results_as_you_type_are_a_fragment_with_the_same_boundary(agent: User, two_inboxes):
    fragment = logged_in(agent).get("/search/suggestions", {"q": "teap"}).content.decode()

    assert "<html" not in fragment
    assert "<mark>teapot</mark> lid missing" in fragment
    assert "spout" not in fragment
    assert "All results for “teap”" in fragment


def test_an_outsider_gets_an_empty_state_that_says_what_was_searched(outsider: User, two_inboxes):
    page = logged_in(outsider).get("/search", {"q": "teapot"}).content.decode()

    assert "No results for “teapot”" in page
    assert "in the 0 inboxes you belong to" in page


def test_a_search_that_cannot_run_says_why_on_the_page(admin: User, two_inboxes):
    client = logged_in(admin)

    page = client.get("/search", {"q": "status:asleep"})
    fragment = client.get("/search", {"q": "x" * 600}, HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert "status: is one of" in page.content.decode()
    assert "600 characters long" in fragment.content.decode()


def test_the_page_pages_with_more_results(admin: User, webform_inbox: Inbox):
    for n in range(23):
        receive(webform_inbox, f"kettle {n}", email=f"k{n}@example.com")
    client = logged_in(admin)

    first = client.get("/search", {"q": "kettle"}).content.decode()
    cursor = first.split('"cursor": "')[1].split('"')[0]
    more = client.get("/search", {"q": "kettle", "cursor": cursor}, HTTP_HX_REQUEST="true")

    assert first.count("data-search-result") == 20
    assert more.content.decode().count("data-search-result") == 3


def test_every_page_has_the_search_box(agent: User):
    page = logged_in(agent).get("/inbox").content.decode()

    assert 'action="/search"' in page
    assert "data-search-box" in page


def test_a_customer_result_opens_the_customer_page_and_keeps_their_messages_a_click_away(
    agent: User, two_inboxes
):
    from rapport.customers.models import Customer

    ann = Customer.objects.get(name="Ann Mine")
    client = logged_in(agent)

    for page in (
        client.get("/search", {"q": "Ann"}).content.decode(),
        client.get("/search/suggestions", {"q": "Ann"}).content.decode(),
    ):
        assert f'href="/customers/{ann.pk}" data-search-result' in page
        assert 'href="/search?q=from:a%40example.com"' in page
        assert "Wu Theirs" not in page
    assert client.get(f"/customers/{ann.pk}").status_code == 200
    assert "teapot lid missing" in client.get("/search?q=from:a%40example.com").content.decode()
