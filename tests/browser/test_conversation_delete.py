"""Deleting a conversation in Chromium: an admin opens the conversation's menu, confirms,
lands on the inbox, and search no longer finds it; an agent has no such menu."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.accounts.models import Role
from rapport.conversations.models import Conversation
from rapport.inboxes.models import InboxKind
from tests.factories import InboxFactory, UserFactory
from tests.search.helpers import found, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(transactional_db):
    inbox = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    admin = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    agent = UserFactory(email="al@shop.example", name="Al Agent", role=Role.AGENT)
    inbox.members.add(admin, agent)
    spam = receive(inbox, "Cheap watches, click here", subject="You won", new=True)
    receive(inbox, "Where is my watch order?", email="max@example.com", name="Max", new=True)
    return {"admin": admin, "agent": agent, "spam": spam.conversation}


def test_an_admin_deletes_a_conversation_from_its_menu(browsing, desk, screenshots):
    page = browsing.page(user=desk["admin"])
    spam = desk["spam"]
    page.goto(f"/conversations/{spam.pk}")

    page.locator(".convo-menu summary").click()
    if screenshots:
        page.screenshot(path=str(Path(screenshots) / "conversation-menu.png"))
    asked: list[str] = []

    def confirm(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.get_by_role("menuitem", name="Delete conversation").click()

    page.wait_for_url("**/inbox")
    page.get_by_text(f"Conversation #{spam.pk} deleted").wait_for()
    assert asked
    assert "cannot be undone" in asked[0]
    assert not Conversation.objects.filter(pk=spam.pk).exists()
    assert found(desk["admin"], "watches") == []
    assert found(desk["admin"], "watch") == ["Where is my watch order?"]


def test_declining_the_confirm_keeps_it_and_agents_have_no_menu(browsing, desk):
    spam = desk["spam"]
    page = browsing.page(user=desk["admin"])
    page.goto(f"/conversations/{spam.pk}")
    page.locator(".convo-menu summary").click()
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("menuitem", name="Delete conversation").click()
    page.wait_for_timeout(300)
    assert Conversation.objects.filter(pk=spam.pk).exists()

    as_agent = browsing.page(user=desk["agent"])
    as_agent.goto(f"/conversations/{spam.pk}")
    assert as_agent.locator(".convo-menu").count() == 0
