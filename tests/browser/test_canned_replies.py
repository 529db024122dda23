"""Canned replies in a real browser: an agent picks one in the reply box, sees it filled in
for the customer, sends it; "/" at the start of a line does the same from the keyboard;
an admin writes one in the settings with a live preview."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rapport.accounts.models import Role
from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.inboxes.models import InboxKind
from rapport.replies import actions
from rapport.replies.models import CannedReply
from tests.factories import PASSWORD, InboxFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THANKS = (
    "Hi {{ customer.first_name }}, thanks for waiting.\n"
    "{{ agent.first_name }} from {{ inbox.name }}"
)


@pytest.fixture
def desk(transactional_db):
    website = InboxFactory(name="Website", kind=InboxKind.WEBFORM)
    wholesale = InboxFactory(name="Wholesale", kind=InboxKind.WEBFORM)
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    ada = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    website.members.add(maria)
    received = receive_message(
        inbox=website,
        message=InboundMessage(
            sender=Sender("email", "carol@mail.example", "Carol Customer"),
            subject="Where is my blue scarf?",
            text="I ordered it a week ago and nothing has arrived.",
        ),
    )
    create = actions.create_canned_reply
    create(actor=ada, shortcut="thanks", title="Thanks for waiting", text=THANKS)
    create(
        actor=ada,
        shortcut="shipping",
        title="Shipping times",
        text="Orders ship within 2 days, {{ customer.first_name }}.",
        inbox=website,
    )
    create(actor=ada, shortcut="bulk", title="Bulk prices", text="Price list.", inbox=wholesale)
    return {"conversation": received.message.conversation, "maria": maria, "ada": ada}


def sign_in(browsing, email: str):
    page = browsing.page()
    page.goto("/login")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/inbox$"))
    return page


def test_pick_a_canned_reply_see_it_personalised_and_send_it(browsing, desk, screenshots):
    conversation = desk["conversation"]
    page = sign_in(browsing, "maria@shop.example")
    page.goto(f"/conversations/{conversation.pk}")

    box = page.locator("#composer textarea")
    box.click()
    page.keyboard.type("Hello!\n")
    picker = page.get_by_role("button", name="Canned reply")
    picker.click()
    assert picker.get_attribute("aria-expanded") == "true"
    options = page.locator("#canned-options [role=option]")
    options.first.wait_for()
    listed = options.all_inner_texts()
    assert len(listed) == 2  # the inbox's reply and the one for all inboxes, not Wholesale's
    assert ("/shipping" in listed[0], "Website" in listed[0]) == (True, True)
    assert ("/thanks" in listed[1], "All inboxes" in listed[1]) == (True, True)
    if screenshots:
        page.screenshot(path=str(screenshots / "canned-picker.png"))

    search = page.get_by_role("combobox", name="Search canned replies")
    assert search.evaluate("el => el === document.activeElement")
    page.keyboard.type("waiting")
    assert options.count() == 1
    page.keyboard.press("Enter")

    expected = "Hello!\nHi Carol, thanks for waiting.\nMaria from Website"
    page.wait_for_function(
        "text => document.querySelector('#composer textarea').value === text", arg=expected
    )
    assert page.locator("#canned-menu").is_hidden()
    assert box.evaluate("el => el === document.activeElement")

    page.get_by_role("button", name="Send", exact=True).click()
    sent = page.locator(".msg-out").last
    sent.locator("[data-delivery=sent]").wait_for()
    assert "Hi Carol, thanks for waiting." in sent.inner_text()
    assert "Maria from Website" in sent.inner_text()
    assert mail.outbox[-1].body.replace("\r\n", "\n") == expected  # forms post CRLF
    assert box.input_value() == ""


def test_slash_at_the_start_of_a_line_inserts_by_shortcut(browsing, desk):
    page = browsing.page(user=desk["maria"])
    page.goto(f"/conversations/{desk['conversation'].pk}")
    box = page.locator("#composer textarea")
    box.click()

    page.keyboard.type("/sh")
    menu = page.locator("#canned-menu")
    menu.get_by_text("/shipping").wait_for()
    assert page.locator("#canned-options [role=option]").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#composer textarea').value === "
        "'Orders ship within 2 days, Carol.'"
    )

    # A "/" that is no shortcut is just text, and Escape leaves the reply as typed.
    page.keyboard.press("Enter")
    page.keyboard.type("/")
    menu.get_by_text("/thanks").wait_for()
    page.keyboard.press("Escape")
    assert menu.is_hidden()
    page.keyboard.type("nothing-like-this ok")
    assert menu.is_hidden()
    assert box.input_value().endswith("\n/nothing-like-this ok")


def test_an_admin_writes_a_canned_reply_with_a_live_preview(browsing, desk, screenshots):
    page = browsing.page(user=desk["ada"])
    page.goto("/settings/canned-replies/")
    assert page.locator("#canned-rows tbody tr").count() == 3
    page.get_by_role("link", name="New canned reply").first.click()

    page.get_by_label("Title", exact=True).fill("Refund on its way")
    page.get_by_label("Shortcut", exact=True).fill("refund")
    page.get_by_label("Inbox", exact=True).select_option(label="Website")
    text = page.get_by_label("Text", exact=True)
    text.fill("Hi ")
    text.press("End")
    page.get_by_role("button", name="customer.first_name").click()
    text.press("End")
    page.keyboard.type(", your refund is on its way.")
    preview = page.locator("#canned-preview")
    preview.get_by_text("Hi Carol, your refund is on its way.").wait_for()
    if screenshots:
        page.screenshot(path=str(screenshots / "canned-settings-form.png"), full_page=True)

    page.get_by_role("button", name="Create the canned reply").click()
    page.wait_for_url("**/settings/canned-replies/")
    assert page.locator("#flash").get_by_text("Created the canned reply /refund").is_visible()
    reply = CannedReply.objects.get(shortcut="refund")
    assert reply.text == "Hi {{ customer.first_name }}, your refund is on its way."
    assert reply.inbox.name == "Website"

    page.get_by_role("searchbox", name="Search canned replies").fill("refund")
    page.wait_for_function("() => document.querySelectorAll('#canned-rows tbody tr').length === 1")
    if screenshots:
        page.get_by_role("searchbox", name="Search canned replies").fill("")
        page.wait_for_function(
            "() => document.querySelectorAll('#canned-rows tbody tr').length === 4"
        )
        page.screenshot(path=str(screenshots / "canned-settings-list.png"), full_page=True)
