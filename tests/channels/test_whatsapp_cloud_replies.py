"""WhatsApp Cloud API replies: the 24-hour customer-service window (shown in the reply
box, enforced by ``send_reply`` whichever way a reply is written), the template picker
and its refresh, quick-reply buttons, files, and Meta's errors classified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.accounts.models import User
from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.inboxes.actions import create_inbox
from rapport.inboxes.adapters.whatsapp.templates import from_meta
from rapport.outbox.actions import deliver
from rapport.outbox.models import Delivery, DeliveryState
from rapport.replies.actions import create_canned_reply
from tests.api.conftest import Api
from tests.channels import whatsapp_cloud as wa
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_UPDATE = "order_update:en_US"


@pytest.fixture
def graph(settings: Any) -> Iterator[wa.GraphServer]:
    server = wa.GraphServer()
    server.start()
    server.answer("POST", f"/{wa.PHONE_ID}/messages", wa.accepted("wamid.out1"))
    settings.META_GRAPH_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def conversation(admin: User, agent: User, graph: wa.GraphServer) -> Conversation:
    templates = [from_meta(t).stored() for t in wa.TEMPLATES_PAGE["data"]]
    inbox = create_inbox(
        actor=admin,
        name="WhatsApp",
        kind="whatsapp",
        config={
            "phone_number_id": wa.PHONE_ID,
            "business_account_id": wa.WABA_ID,
            "access_token": wa.TOKEN,
            "app_secret": wa.APP_SECRET,
            "templates": templates,
        },
        members=[agent],
    )
    received = receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender("phone", "+14155550123", "Ana Ruiz"),
            text="Where is my order?",
            external_id="wamid.in1",
        ),
    )
    return received.message.conversation


def close_window(conversation: Conversation, hours: int = 25) -> None:
    """Move the clock past the window: the customer's last message, a day and more ago."""
    Conversation.objects.filter(pk=conversation.pk).update(
        last_customer_message_at=timezone.now() - timedelta(hours=hours)
    )


def sent(graph: wa.GraphServer) -> list[dict[str, Any]]:
    return [r.json for r in graph.requests if r.path == f"/{wa.PHONE_ID}/messages"]


def reply(agent: User, conversation: Conversation, **form: Any) -> Any:
    return logged_in(agent).post(f"/conversations/{conversation.pk}/reply", form)


def page(agent: User, conversation: Conversation) -> str:
    return logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()


# The window ----------------------------------------------------------------------------


def test_an_open_window_shows_its_time_left_and_the_buttons_field(agent, conversation):
    Conversation.objects.filter(pk=conversation.pk).update(
        last_customer_message_at=timezone.now() - timedelta(hours=20, minutes=47, seconds=30)
    )
    shown = page(agent, conversation)

    assert "Window closes in 3 h 12 min" in shown
    assert 'name="button_1"' in shown
    assert "data-window-closed" not in shown
    assert 'name="template"' not in shown


def test_a_closed_window_offers_only_templates_and_says_why(agent, conversation):
    close_window(conversation)
    shown = page(agent, conversation)

    assert (
        "The 24-hour window closed 1 h 0 min ago: only an approved template can be sent"
        " until the customer writes again" in shown
    )
    assert "data-window-closed" in shown
    assert f'<option value="{ORDER_UPDATE}">order_update · en_US · Utility</option>' in shown
    assert 'name="tv_body_2"' in shown
    assert 'name="attachments"' not in shown  # files cannot leave outside the window
    assert "new_catalogue (en) is not offered here: it needs a header file (image)." in shown


def test_free_text_outside_the_window_is_refused_by_the_action(agent, conversation, graph):
    close_window(conversation)

    response = reply(agent, conversation, text="Sorry for the wait!")
    assert response.status_code == 400
    assert "Free text is refused outside the window; choose an approved template" in (
        response.content.decode()
    )
    api = Api(agent).post(f"/conversations/{conversation.pk}/messages", {"text": "Via the API"})
    assert api.status_code == 400
    assert "only an approved template can be sent" in api.json()["error"]["message"]
    assert not Message.objects.filter(direction="out").exists()
    assert sent(graph) == []


def test_a_template_is_sent_with_its_variables_outside_the_window(agent, conversation, graph):
    close_window(conversation)

    response = reply(
        agent,
        conversation,
        text="",
        template=ORDER_UPDATE,
        tv_header_1="10231",
        tv_body_1="Ana",
        tv_body_2="10231",
    )

    assert response.status_code == 302, response.content
    message = Message.objects.get(direction="out")
    assert message.text == (
        "Order 10231\n\nHi Ana, your order 10231 is on its way. Reply here with any"
        " question.\n\nAlder & Finch"
    )
    assert message.delivery_status == DeliveryStatus.SENT
    assert sent(graph) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "14155550123",
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"code": "en_US"},
                "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "10231"}]},
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Ana"},
                            {"type": "text", "text": "10231"},
                        ],
                    },
                ],
            },
        }
    ]


def test_a_named_template_sends_its_parameter_names(agent, conversation, graph):
    close_window(conversation)
    reply(agent, conversation, template="follow_up:en", tv_body_first_name="Ana")

    [payload] = sent(graph)
    assert payload["template"]["components"] == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Ana", "parameter_name": "first_name"}],
        }
    ]


def test_a_template_with_a_missing_variable_or_unknown_name_is_refused(agent, conversation):
    close_window(conversation)
    missing = reply(agent, conversation, template=ORDER_UPDATE, tv_header_1="1", tv_body_1="Ana")
    unknown = reply(agent, conversation, template="no_such:en")
    picture = reply(agent, conversation, template="new_catalogue:en")

    assert missing.status_code == 400
    assert "ill in {{2}} of the template" in missing.content.decode()
    assert "not among the inbox" in unknown.content.decode()
    assert "it needs a header file (image)" in picture.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_refresh_loads_the_approved_templates_from_the_business_account(agent, conversation, graph):
    graph.answer("GET", f"/{wa.WABA_ID}/message_templates", (200, {}, wa.TEMPLATES_PAGE))
    conversation.inbox.config.pop("templates")
    conversation.inbox.save()
    close_window(conversation)
    assert "Templates have not been loaded from WhatsApp yet" in page(agent, conversation)

    response = logged_in(agent).post(
        f"/whatsapp/conversations/{conversation.pk}/templates/refresh", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Loaded 3 approved templates" in response["HX-Trigger"]
    [fetch] = [r for r in graph.requests if "message_templates" in r.path]
    assert fetch.path.startswith(f"/{wa.WABA_ID}/message_templates?status=APPROVED")
    assert fetch.headers["Authorization"] == f"Bearer {wa.TOKEN}"
    conversation.inbox.refresh_from_db()
    names = [t["name"] for t in conversation.inbox.config["templates"]]
    assert names == ["follow_up", "new_catalogue", "order_update"]
    assert ORDER_UPDATE in response.content.decode()  # the fresh reply box lists them


def test_a_refresh_that_fails_says_why(agent, conversation, graph):
    graph.answer(
        "GET", f"/{wa.WABA_ID}/message_templates", wa.graph_error(401, 190, "Session has expired")
    )
    response = logged_in(agent).post(
        f"/whatsapp/conversations/{conversation.pk}/templates/refresh", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "The templates could not be loaded from WhatsApp: The access token has expired" in (
        response.content.decode().replace("&#x27;", "'")
    )


def test_the_window_reopens_when_the_customer_writes_again(agent, conversation):
    close_window(conversation)
    receive_message(
        inbox=conversation.inbox,
        message=InboundMessage(
            sender=Sender("phone", "+14155550123"), text="Hello?", external_id="wamid.in2"
        ),
    )
    assert reply(agent, conversation, text="Here we are").status_code == 302


def test_the_window_counts_from_the_customers_last_message_in_any_conversation(agent, conversation):
    """An old conversation (resolved, then a new one opened) is answered inside the window
    the customer's newer message opened: WhatsApp's window is per person, not per thread."""
    close_window(conversation, hours=30)
    Conversation.objects.filter(pk=conversation.pk).update(status="resolved")
    newer = receive_message(
        inbox=conversation.inbox,
        message=InboundMessage(
            sender=Sender("phone", "+14155550123"), text="Me again", external_id="wamid.in3"
        ),
    ).message.conversation
    assert newer.pk != conversation.pk

    assert "Window closes in 23 h 59 min" in page(agent, conversation)
    assert reply(agent, conversation, text="About your old question").status_code == 302


# Inside the window -------------------------------------------------------------------


def test_quick_reply_buttons_go_as_an_interactive_message(agent, conversation, graph):
    reply(agent, conversation, text="Did it arrive?", button_1="Yes", button_2=" No  ", button_3="")

    [payload] = sent(graph)
    assert payload["type"] == "interactive"
    assert payload["interactive"] == {
        "type": "button",
        "body": {"text": "Did it arrive?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "button-1", "title": "Yes"}},
                {"type": "reply", "reply": {"id": "button-2", "title": "No"}},
            ]
        },
    }


def test_a_button_title_over_20_characters_is_refused(agent, conversation):
    response = reply(agent, conversation, text="Pick one", button_1="A title far too long to fit")
    assert response.status_code == 400
    assert "at most 20 characters" in response.content.decode()


def test_text_too_long_for_buttons_or_a_caption_is_refused_not_cut(agent, conversation, graph):
    long_text = "x" * 1025
    with_buttons = reply(agent, conversation, text=long_text, button_1="Yes")
    photo = SimpleUploadedFile("box.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
    with_file = reply(agent, conversation, text=long_text, attachments=[photo])

    assert with_buttons.status_code == with_file.status_code == 400
    assert "at most 1,024 characters of text with buttons" in with_buttons.content.decode()
    assert "at most 1,024 characters of text with a file" in with_file.content.decode()
    assert sent(graph) == []


def test_a_file_is_uploaded_then_sent_by_its_media_id(agent, conversation, graph):
    graph.answer("POST", f"/{wa.PHONE_ID}/media", (200, {}, {"id": "4490709327384033"}))
    photo = SimpleUploadedFile("box.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")

    reply(agent, conversation, text="Here is the label", attachments=[photo])

    upload = next(r for r in graph.requests if r.path == f"/{wa.PHONE_ID}/media")
    assert upload.headers["Authorization"] == f"Bearer {wa.TOKEN}"
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="messaging_product"\r\n\r\nwhatsapp' in upload.body
    assert b"\x89PNG" in upload.body
    [payload] = sent(graph)
    assert payload["type"] == "image"
    assert payload["image"] == {"id": "4490709327384033", "caption": "Here is the label"}


def test_two_files_at_once_are_refused_in_words(agent, conversation):
    files = [SimpleUploadedFile(f"{n}.txt", b"hello", "text/plain") for n in "ab"]
    response = reply(agent, conversation, text="Two", attachments=files)
    assert response.status_code == 400
    assert "WhatsApp takes one file per message" in response.content.decode()


def test_canned_replies_are_plain_text_in_the_box(admin, agent, conversation):
    canned = create_canned_reply(
        actor=admin, shortcut="hi", title="Hello", text="Hi {{ customer.first_name }}!"
    )
    filled = logged_in(agent).get(f"/conversations/{conversation.pk}/canned/{canned.pk}")
    assert filled.json()["text"] == "Hi Ana!"  # what the box inserts and WhatsApp receives


# Meta's errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "state", "words"),
    [
        (
            wa.graph_error(
                400,
                131047,
                "Re-engagement message",
                "Message failed to send because more than 24 hours have passed",
            ),
            DeliveryState.FAILED,
            "More than 24 hours have passed since the customer last wrote",
        ),
        (
            wa.graph_error(401, 190, "Error validating access token"),
            DeliveryState.FAILED,
            "The access token has expired or was revoked",
        ),
        (
            wa.graph_error(400, 100, "Invalid parameter", "Parameter value is not valid"),
            DeliveryState.FAILED,
            "WhatsApp refused a value in the message",
        ),
        (
            wa.graph_error(400, 131026, "Message Undeliverable."),
            DeliveryState.FAILED,
            "WhatsApp could not deliver it",
        ),
        (wa.graph_error(400, 130429, "Rate limit hit"), DeliveryState.QUEUED, "limiting"),
        (wa.graph_error(400, 131048, "Spam rate limit hit"), DeliveryState.QUEUED, "limiting"),
        (wa.graph_error(403, 80007, "Rate limit issues"), DeliveryState.QUEUED, "limiting"),
        (
            wa.graph_error(503, 2, "Service temporarily unavailable"),
            DeliveryState.QUEUED,
            "Meta had a problem",
        ),
    ],
)
def test_metas_errors_are_classified(agent, conversation, graph, answer, state, words):
    graph.answer("POST", f"/{wa.PHONE_ID}/messages", answer)
    reply(agent, conversation, text="Your parcel left today")

    message = Message.objects.get(direction="out")
    delivery = Delivery.objects.get(message=message)
    assert delivery.state == state
    assert words in (message.delivery_error or delivery.last_error)
    assert len(sent(graph)) == 1


def test_a_rate_limit_waits_for_retry_after_then_sends(agent, conversation, graph):
    graph.answer(
        "POST",
        f"/{wa.PHONE_ID}/messages",
        (429, {"Retry-After": "90"}, {"error": {"message": "Too many", "code": 130429}}),
        wa.accepted("wamid.later"),
    )
    reply(agent, conversation, text="Soon")
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.QUEUED
    assert (delivery.next_attempt_at - timezone.now()).total_seconds() > 80

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.external_id == "wamid.later"
    assert json.loads(json.dumps(sent(graph)[1]))["text"]["body"] == "Soon"
