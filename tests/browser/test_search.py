"""Search in the agent app, in Chromium: from the inbox, results as you type, open one,
land on the highlighted message; the search page with filters and an empty state."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from rapport.accounts.models import Role
from rapport.conversations.actions import add_note, send_reply
from rapport.inboxes.models import InboxKind
from tests.factories import InboxFactory, UserFactory
from tests.search.helpers import receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(transactional_db):
    inbox = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    admin = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    inbox.members.add(admin)
    first = receive(inbox, "Hello, a question about my order", subject="Order 1042", new=True)
    for n in range(12):
        send_reply(conversation=first.conversation, author=admin, text=f"Checking step {n}. " * 8)
    target = receive(inbox, "The waffle iron arrived with a cracked plate, can I swap it?")
    for n in range(12):
        add_note(conversation=first.conversation, author=admin, text=f"Note number {n}. " * 8)
    receive(inbox, "Do you sell waffle mixes?", email="max@example.com", name="Max Power")
    return {"admin": admin, "target": target, "conversation": first.conversation}


def shoot(page, screenshots: Path | None, name: str) -> None:
    if screenshots:
        page.screenshot(path=str(screenshots / f"search-{name}.png"))


def test_search_from_the_inbox_and_land_on_the_message(browsing, desk, screenshots):
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")

    page.keyboard.press("s")
    page.keyboard.type("waffle ir")
    results = page.locator("#search-suggestions [data-search-result]")
    results.first.wait_for()
    shoot(page, screenshots, "as-you-type")
    assert page.locator("#search-suggestions mark").first.inner_text() == "waffle"
    assert "cracked plate" in page.locator("#search-suggestions").inner_text()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    target = desk["target"]
    page.wait_for_url(f"**/conversations/{desk['conversation'].pk}?found={target.pk}*")
    message = page.locator(f"#message-{target.pk}")
    assert page.evaluate("document.querySelector(':target').id") == f"message-{target.pk}"
    assert message.is_visible()
    box = message.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # scrolled to it, not to the end
    shoot(page, screenshots, "landed")


def test_the_search_page_filters_and_says_what_was_searched(browsing, desk, screenshots):
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")
    page.keyboard.press("Control+k")
    page.keyboard.type("waffle")
    page.keyboard.press("Enter")

    page.wait_for_url("**/search?q=waffle")
    assert page.locator("#search-hits [data-search-result]").count() == 2
    shoot(page, screenshots, "page")

    page.locator("#search-q").fill("waffle -mixes")
    expect(page.locator("#search-hits [data-search-result]")).to_have_count(1)
    page.locator("select[name=status]").select_option("resolved")
    page.get_by_text("No results for “waffle -mixes”").wait_for()
    assert "resolved conversations" in page.locator(".search-empty").inner_text()
    shoot(page, screenshots, "empty")
