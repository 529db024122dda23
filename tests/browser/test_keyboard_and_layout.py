"""Keyboard shortcuts, "load more", and the layout on a phone, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.inboxes.models import InboxKind
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import ConversationFactory, InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(transactional_db):
    inbox = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    admin = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    inbox.members.add(admin)
    start = timezone.now()
    conversations = [
        ConversationFactory(
            inbox=inbox,
            subject=f"Question {i}",
            preview="A customer asks something reasonable about an order.",
            last_activity_at=start - timedelta(minutes=i),
            waiting_since=start - timedelta(minutes=i),
        )
        for i in range(30)
    ]
    return {"inbox": inbox, "admin": admin, "conversations": conversations}


def selected(page) -> str:
    return page.locator("[data-row].is-selected .conv-subject").inner_text()


def test_j_k_move_through_the_list_and_enter_opens(browsing, desk):
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert selected(page) == "Question 1"
    page.keyboard.press("o")

    page.wait_for_url(f"**/conversations/{desk['conversations'][1].pk}")


def test_load_more_appends_the_next_page_in_place(browsing, desk):
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")
    assert page.locator("[data-row]").count() == 25

    page.get_by_role("link", name="Load more").click()

    page.locator("[data-row]").nth(29).wait_for()
    assert page.locator("[data-row]").count() == 30
    assert page.locator("[data-load-more]").count() == 0
    assert page.url.endswith("/inbox")


def test_the_help_opens_with_a_question_mark_and_closes_with_escape(browsing, desk):
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")
    help_overlay = page.locator("#shortcuts")

    page.keyboard.press("?")
    assert help_overlay.is_visible()
    assert help_overlay.get_by_text("Assign to me").is_visible()
    page.keyboard.press("Escape")

    assert help_overlay.is_hidden()


def test_slash_focuses_the_filters_and_g_i_goes_to_the_inbox(browsing, desk):
    page = browsing.page(user=desk["admin"])
    page.goto("/mentions")
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url("**/inbox")

    page.keyboard.press("/")

    assert page.evaluate("document.activeElement.name") == "inbox"


def test_typing_in_a_field_does_not_trigger_shortcuts(browsing, desk):
    conversation = desk["conversations"][0]
    page = browsing.page(user=desk["admin"])
    page.goto(f"/conversations/{conversation.pk}")

    page.locator("#composer textarea").click()
    page.keyboard.type("are you there? e a")

    assert page.locator("[data-status]").inner_text() == "Open"
    assert page.locator("#composer textarea").input_value() == "are you there? e a"


def test_a_filter_change_reloads_the_list(browsing, desk):
    other = InboxFactory(name="Wholesale", kind=InboxKind.WEBFORM)
    ConversationFactory(inbox=other, subject="Pallet of mugs")
    page = browsing.page(user=desk["admin"])
    page.goto("/inbox")

    page.select_option("select[name=inbox]", label="Wholesale")

    page.wait_for_url(f"**/inbox?*inbox={other.pk}*")
    assert page.locator("[data-row] .conv-subject").all_inner_texts() == ["Pallet of mugs"]


def overflow(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pages_fit_the_screen_without_sideways_scrolling(browsing, desk, viewport, screenshots):
    conversation = desk["conversations"][0]
    page = browsing.page(user=desk["admin"], viewport=viewport)
    size = "phone" if viewport == PHONE else "desktop"
    for name, path in [
        ("inbox", "/inbox"),
        ("conversation", f"/conversations/{conversation.pk}"),
        ("settings", "/settings/inboxes/"),
        ("agents", "/settings/agents/"),
    ]:
        page.goto(path)
        if screenshots:
            page.screenshot(path=str(screenshots / f"test-{name}-{size}.png"), full_page=True)
        assert overflow(page) <= 0, f"{path} scrolls sideways at {viewport}"
        if screenshots:
            page.screenshot(path=str(screenshots / f"test-{name}-{size}.png"))


def test_on_a_phone_the_sidebar_opens_from_the_menu_button(browsing, desk):
    page = browsing.page(user=desk["admin"], viewport=PHONE)
    page.goto("/inbox")
    sidebar_link = page.locator(".sidebar").get_by_role("link", name="Unassigned")
    assert sidebar_link.is_hidden()

    page.locator(".topbar label[for=nav-toggle]").click()
    sidebar_link.wait_for(state="visible")
    sidebar_link.click()

    page.wait_for_url("**/inbox?view=unassigned")
