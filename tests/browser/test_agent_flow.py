"""The whole loop in a real browser: a customer writes through the web form, an agent signs
in, finds it in the inbox, replies (the customer gets an e-mail), notes with a mention,
assigns and resolves it — checking what the page shows at every step."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rapport.accounts.models import Role
from rapport.conversations.models import Conversation, Mention, Status
from rapport.inboxes.models import InboxKind
from tests.factories import PASSWORD, InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(transactional_db):
    inbox = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    lee = UserFactory(email="lee@shop.example", name="Lee Light", role=Role.LIGHT)
    inbox.members.add(maria, lee)
    return {"inbox": inbox, "maria": maria, "lee": lee}


def customer_writes(browsing, inbox) -> None:
    page = browsing.page()
    page.goto(f"/f/{inbox.public_key}")
    page.fill("#id_name", "Carol Customer")
    page.fill("#id_email", "carol@mail.example")
    page.fill("#id_subject", "Where is my blue scarf?")
    page.fill("#id_message", "I ordered it a week ago and nothing has arrived.")
    page.click("button[type=submit]")
    page.get_by_text("Thanks, we got your message.").wait_for()


def agent_signs_in(browsing):
    page = browsing.page()
    page.goto("/login")
    page.fill("input[name=username]", "maria@shop.example")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/inbox$"))
    return page


def test_a_web_form_message_is_answered_noted_assigned_and_resolved(browsing, shop, screenshots):
    customer_writes(browsing, shop["inbox"])
    conversation = Conversation.objects.get()

    page = agent_signs_in(browsing)
    row = page.locator("[data-row]")
    assert row.count() == 1
    assert "Carol Customer" in row.inner_text()
    assert "Where is my blue scarf?" in row.inner_text()
    assert page.locator("#views-nav .is-active .count").inner_text() == "1"

    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{conversation.pk}")
    assert page.locator("h1").inner_text() == "Where is my blue scarf?"
    assert page.locator(".msg-in").inner_text().count("nothing has arrived") == 1

    # Reply: the customer gets an e-mail and the page shows the reply as sent.
    page.keyboard.press("r")
    page.keyboard.type("Hi Carol, it left our warehouse today.")
    page.get_by_role("button", name="Send", exact=True).click()
    sent = page.locator(".msg-out").last
    sent.locator("[data-delivery=sent]").wait_for()
    assert "it left our warehouse today" in sent.inner_text()
    assert "Sent" in sent.inner_text()
    assert page.locator("#flash").get_by_text("Reply sent").is_visible()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Carol Customer <carol@mail.example>"]
    assert mail.outbox[0].body == "Hi Carol, it left our warehouse today."
    assert page.locator("#composer textarea").input_value() == ""

    # A note that mentions a colleague, picked from the autocomplete.
    page.locator("label.composer-tab", has_text="Internal note").click()
    box = page.locator("#composer textarea")
    box.click()
    page.keyboard.type("Courier tracking looks stuck, @le")
    menu = page.locator(".mention-menu")
    menu.get_by_text("Lee Light").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.type("can you call them?")
    assert box.input_value() == "Courier tracking looks stuck, @lee can you call them?"
    page.get_by_role("button", name="Add note").click()
    note = page.locator(".msg-note").last
    note.wait_for()
    assert note.locator(".mention").inner_text() == "@lee"
    assert "Internal note" in note.inner_text()
    assert Mention.objects.filter(user=shop["lee"]).count() == 1
    assert mail.outbox[-1].to == ["lee@shop.example"]  # the mention notification
    assert f"/conversations/{conversation.pk}" in mail.outbox[-1].body

    # Assign to me with the keyboard; the sidebar's Mine count follows.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("a")
    page.locator("#flash").get_by_text("Assigned to Maria Agent").wait_for()
    assert page.locator("select[data-assignee] option:checked").inner_text() == "Maria Agent (me)"
    assert page.locator("#views-nav a[href='/inbox?view=mine'] .count").inner_text() == "1"
    if screenshots:
        page.screenshot(path=str(screenshots / "flow-conversation.png"))

    # Resolve.
    page.get_by_role("button", name="Resolve").click()
    page.locator("[data-status]", has_text="Resolved").wait_for()
    assert page.get_by_role("button", name="Reopen").is_visible()
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    assert conversation.assignee == shop["maria"]

    page.goto("/inbox")
    assert page.get_by_text("All caught up").is_visible()


def test_a_refused_change_shows_its_reason_without_leaving_the_page(browsing, shop):
    customer_writes(browsing, shop["inbox"])
    conversation = Conversation.objects.get()
    page = browsing.page(user=shop["maria"])
    page.goto(f"/conversations/{conversation.pk}")

    page.get_by_role("button", name="Send", exact=True).click()

    page.locator(".flash-error").get_by_text("The message is empty").wait_for()
    assert page.url.endswith(f"/conversations/{conversation.pk}")


def test_a_light_seat_can_only_write_notes(browsing, shop):
    customer_writes(browsing, shop["inbox"])
    conversation = Conversation.objects.get()
    page = browsing.page(user=shop["lee"])
    page.goto(f"/conversations/{conversation.pk}")

    assert page.get_by_role("button", name="Send", exact=True).count() == 0
    assert page.get_by_text("With a light seat you add internal notes").is_visible()
    page.locator("#composer textarea").fill("I called the courier.")
    page.get_by_role("button", name="Add note").click()

    page.locator(".msg-note", has_text="I called the courier.").wait_for()
