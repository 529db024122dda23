"""WhatsApp Cloud API reactions: shown as a badge on the message they react to (the
customer's or our reply, found by WhatsApp's id for it), taken off when the customer
removes theirs, and received as a line of their own when that message is unknown."""

from __future__ import annotations

import json

import pytest

from rapport.conversations.actions import receive_reaction
from rapport.conversations.inbound import Reaction
from rapport.conversations.models import Conversation, Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.whatsapp import inbound
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery
from tests.api.conftest import Api
from tests.channels import whatsapp_cloud as wa
from tests.channels.test_whatsapp_cloud import pywa
from tests.channels.test_whatsapp_cloud_replies import conversation, graph, page, reply

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["conversation", "graph"]  # the fixtures of the replies' tests, used here


def reaction(target: str, emoji: str | None, wamid: str = "wamid.react1") -> Reaction:
    """A customer's reaction as WhatsApp posts it, parsed by the channel."""
    part = {"message_id": target} if emoji is None else {"message_id": target, "emoji": emoji}
    message = {
        "from": "14155550123",
        "id": wamid,
        "timestamp": "1733390000",
        "type": "reaction",
        "reaction": part,
    }
    body = wa.webhook(contacts=[wa.contact("14155550123")], messages=[message])
    [parsed] = inbound.parse(body)
    assert isinstance(parsed, Reaction)
    return parsed


def inbox_of(conversation: Conversation) -> Inbox:
    return conversation.inbox


@pytest.mark.parametrize(
    ("case", "emoji"), [("reaction", "😮"), ("unreaction_empty", ""), ("unreaction_no_emoji", "")]
)
def test_pywas_reaction_samples_name_the_message_and_the_emoji(case, emoji):
    [parsed] = inbound.parse(json.dumps(pywa("message.json")[case]).encode())

    assert isinstance(parsed, Reaction)
    assert (parsed.reacts_to, parsed.emoji) == ("wamid.yzxyzx=", emoji)
    assert parsed.text.startswith(("Reacted 😮 to message", "Removed a reaction"))


def test_a_reaction_too_long_to_be_an_emoji_is_refused_in_words():
    with pytest.raises(ValidationFailed, match="a reaction's emoji must be at most 32"):
        reaction("wamid.in1", "x" * 33)


def test_a_reaction_to_the_customers_message_shows_on_it_and_comes_off(conversation):
    inbox = inbox_of(conversation)
    their = Message.objects.get(external_id="wamid.in1")

    receive_reaction(inbox=inbox, reaction=reaction("wamid.in1", "❤️"))
    their.refresh_from_db()
    assert their.reaction == "❤️"

    receive_reaction(inbox=inbox, reaction=reaction("wamid.in1", "", wamid="wamid.react2"))
    their.refresh_from_db()
    assert their.reaction == ""
    assert Message.objects.count() == 1  # no line for either


def test_a_reaction_to_our_reply_is_found_by_the_id_whatsapp_gave_it(agent, conversation):
    reply(agent, conversation, text="Your parcel left today")
    ours = Message.objects.get(direction="out")
    assert Delivery.objects.get(message=ours).external_id == "wamid.out1"

    receive_reaction(inbox=inbox_of(conversation), reaction=reaction("wamid.out1", "👍"))
    receive_reaction(inbox=inbox_of(conversation), reaction=reaction("wamid.out1", "🙏", "w2"))

    ours.refresh_from_db()
    assert ours.reaction == "🙏"  # WhatsApp keeps one reaction per person: the last
    assert Message.objects.count() == 2


def test_a_reaction_to_a_message_not_known_here_is_a_line_as_before(conversation):
    shown = receive_reaction(
        inbox=inbox_of(conversation), reaction=reaction("wamid.elsewhere", "😮")
    )

    assert shown.text == "Reacted 😮 to message wamid.elsewhere"
    assert shown.direction == "in"
    assert shown.conversation_id == conversation.pk
    assert not Message.objects.exclude(reaction="").exists()


def test_the_conversation_page_shows_the_reaction_on_its_message(agent, conversation):
    reply(agent, conversation, text="Your parcel left today")
    receive_reaction(inbox=inbox_of(conversation), reaction=reaction("wamid.out1", "👍"))

    html = page(agent, conversation)

    ours = Message.objects.get(direction="out")
    card = html.split(f'id="message-{ours.pk}"')[1].split("</li>")[0]
    assert '<span class="msg-reaction" title="Ana Ruiz reacted 👍"' in card
    assert "Reacted 👍" not in html  # no line of its own


def test_the_api_gives_the_reaction_with_its_message(agent, conversation):
    receive_reaction(inbox=inbox_of(conversation), reaction=reaction("wamid.in1", "😮"))

    items = Api(agent).get(f"/conversations/{conversation.pk}/messages").json()["items"]

    assert [(m["text"], m["reaction"]) for m in items] == [("Where is my order?", "😮")]


def test_a_posted_reaction_shows_on_the_message(conversation, client):
    inbox = inbox_of(conversation)
    message = {
        "from": "14155550123",
        "id": "wamid.react9",
        "timestamp": "1733390000",
        "type": "reaction",
        "reaction": {"message_id": "wamid.in1", "emoji": "👍"},
    }
    body = wa.webhook(contacts=[wa.contact("14155550123")], messages=[message])
    answered = client.post(
        f"/channels/whatsapp/{inbox.public_key}", body, content_type=wa.JSON, **wa.signed(body)
    )

    assert answered.status_code == 200
    assert Message.objects.get(external_id="wamid.in1").reaction == "👍"
    assert Message.objects.count() == 1
