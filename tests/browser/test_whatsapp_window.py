"""WhatsApp's 24-hour window in a real browser: a customer's message arrives by a signed
Cloud API webhook, the agent replies (to the local Graph API), the clock moves past the
window, and the reply box offers only the approved templates — and sends one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.conversations.actions import receive_message, receive_reaction
from rapport.conversations.inbound import InboundMessage, Reaction, Sender
from rapport.conversations.models import Conversation
from rapport.inboxes.actions import create_inbox
from rapport.inboxes.adapters.whatsapp import inbound as wa_inbound
from rapport.inboxes.adapters.whatsapp.templates import from_meta
from tests.channels import whatsapp_cloud as wa
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def graph(settings: Any) -> Iterator[wa.GraphServer]:
    server = wa.GraphServer()
    server.start()
    server.answer(
        "POST", f"/{wa.PHONE_ID}/messages", wa.accepted("wamid.reply1"), wa.accepted("wamid.tpl")
    )
    settings.META_GRAPH_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def desk(transactional_db: None, graph: wa.GraphServer) -> dict[str, Any]:
    ada = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    maria = UserFactory(email="maria@shop.example", name="Maria Agent", role=Role.AGENT)
    inbox = create_inbox(
        actor=ada,
        name="WhatsApp",
        kind="whatsapp",
        config={
            "phone_number_id": wa.PHONE_ID,
            "business_account_id": wa.WABA_ID,
            "access_token": wa.TOKEN,
            "app_secret": wa.APP_SECRET,
            "templates": [from_meta(t).stored() for t in wa.TEMPLATES_PAGE["data"]],
        },
        members=[maria],
    )
    return {"inbox": inbox, "maria": maria}


def test_reply_then_the_window_closes_and_only_templates_are_offered(
    browsing, desk, graph, live_server, screenshots
):
    inbox = desk["inbox"]
    body = wa.webhook(
        contacts=[wa.contact("14155550123", "Ana Ruiz")],
        messages=[wa.text_message("14155550123", "Has my parcel left yet?", "wamid.in1")],
    )
    arrived = requests.post(
        f"{live_server.url}/channels/whatsapp/{inbox.public_key}",
        data=body,
        headers={
            "Content-Type": wa.JSON,
            "X-Hub-Signature-256": wa.signed(body)["HTTP_X_HUB_SIGNATURE_256"],
        },
        timeout=10,
    )
    assert arrived.status_code == 200
    conversation = Conversation.objects.get(inbox=inbox)

    page = browsing.page(user=desk["maria"])
    page.clock.install()  # the browser's clock, moved forward below
    page.goto(f"/conversations/{conversation.pk}")
    page.get_by_text("Has my parcel left yet?").wait_for()
    window = page.locator("[data-reply-window]")
    assert window.inner_text().startswith("Window closes in 23 h 59 min")
    if screenshots:
        page.locator("#composer").screenshot(path=str(screenshots / "whatsapp-window-open.png"))

    page.locator("#composer textarea").fill("Yes, it left this morning.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.locator(".msg-out").last.locator("[data-delivery=sent]").wait_for()
    first = graph.requests[-1].json
    assert first["type"] == "text"
    assert first["text"]["body"] == "Yes, it left this morning."

    # The open page counts down, and says so when the window closes.
    page.clock.fast_forward("24:01:00")
    assert "The window has just closed" in window.inner_text()

    # The clock moves past the window: the customer's last message, 25 hours ago.
    Conversation.objects.filter(pk=conversation.pk).update(
        last_customer_message_at=timezone.now() - timedelta(hours=25)
    )
    page.reload()
    window = page.locator("[data-reply-window]")
    assert "The 24-hour window closed 1 h 0 min ago: only an approved template" in (
        window.inner_text()
    )
    assert page.locator("#composer textarea").is_hidden()
    assert page.locator("#composer input[type=file]").count() == 0
    # Refresh reads the approved templates from the Business Account again.
    graph.answer("GET", f"/{wa.WABA_ID}/message_templates", (200, {}, wa.TEMPLATES_PAGE))
    page.get_by_role("button", name="Refresh").click()
    page.get_by_text("Loaded 3 approved templates").wait_for()
    assert any("message_templates?status=APPROVED" in r.path for r in graph.requests)
    picker = page.get_by_label("Template")
    picker.select_option("order_update:en_US")
    fields = page.locator("[data-wa-template='order_update:en_US']")
    assert fields.is_visible()
    fields.get_by_label("Header {{1}}").fill("10231")
    fields.get_by_label("Body {{1}}").fill("Ana")
    fields.get_by_label("Body {{2}}").fill("10231")
    if screenshots:
        page.locator("#composer").screenshot(path=str(screenshots / "whatsapp-window-closed.png"))

    page.get_by_role("button", name="Send", exact=True).click()
    sent = page.locator(".msg-out", has_text="Hi Ana, your order 10231 is on its way.")
    sent.locator("[data-delivery=sent]").wait_for()
    assert "Order 10231" in sent.inner_text()
    template = graph.requests[-1].json
    assert template["type"] == "template"
    assert template["template"]["name"] == "order_update"

    # Notes still work while the window is closed: the text box comes back for them.
    page.locator("#composer .composer-tab-note").click()
    assert page.locator("#composer textarea").is_visible()


def reaction_to(target: str, emoji: str, wamid: str) -> Reaction:
    message = {
        "from": "14155550123",
        "id": wamid,
        "timestamp": "1733390000",
        "type": "reaction",
        "reaction": {"message_id": target, "emoji": emoji},
    }
    [parsed] = wa_inbound.parse(
        wa.webhook(contacts=[wa.contact("14155550123")], messages=[message])
    )
    assert isinstance(parsed, Reaction)
    return parsed


def test_a_reaction_shows_on_the_reply_it_reacts_to(browsing, desk, graph, screenshots):
    inbox = desk["inbox"]
    received = receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender("phone", "+14155550123", "Ana Ruiz"),
            text="Has my parcel left yet?",
            external_id="wamid.in1",
        ),
    )
    conversation = received.message.conversation
    page = browsing.page(user=desk["maria"])
    page.goto(f"/conversations/{conversation.pk}")
    page.locator("#composer textarea").fill("Yes, it left this morning.")
    page.get_by_role("button", name="Send", exact=True).click()
    reply = page.locator(".msg-out").last
    reply.locator("[data-delivery=sent]").wait_for()

    # A heart: the machines' fonts (DejaVu) draw it, where most emoji need a colour font.
    receive_reaction(inbox=inbox, reaction=reaction_to("wamid.reply1", "❤️", "wamid.r1"))
    page.reload()
    badge = page.locator(".msg-out").last.locator(".msg-reaction")
    assert badge.inner_text() == "❤️"
    assert badge.get_attribute("title") == "Ana Ruiz reacted ❤️"
    card, pill = page.locator(".msg-out .msg-card").last.bounding_box(), badge.bounding_box()
    assert card is not None
    assert pill is not None
    assert card["y"] + card["height"] - 2 < pill["y"] + pill["height"]  # on the lower edge
    if screenshots:
        page.locator(".timeline").screenshot(path=str(screenshots / "whatsapp-reaction.png"))

    receive_reaction(inbox=inbox, reaction=reaction_to("wamid.reply1", "", "wamid.r2"))
    page.reload()
    assert page.locator(".msg-reaction").count() == 0
