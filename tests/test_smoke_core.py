from __future__ import annotations

import pytest
from django.core import mail

from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import DeliveryStatus, Status
from rapport.conversations.selectors import ConversationFilter, list_conversations, tab_counts


@pytest.mark.django_db(transaction=True)
def test_receive_then_reply_sends_email(webform_inbox, agent):
    received = actions.receive_message(
        inbox=webform_inbox,
        message=InboundMessage(
            sender=Sender("email", "carol@mail.example", "Carol"),
            subject="Where is my order?",
            text="It has been a week.",
        ),
    )
    conversation = received.message.conversation
    assert tab_counts(agent) == {"open": 1, "mine": 0, "unassigned": 1}
    actions.assign_conversation(conversation=conversation, actor=agent, assignee=agent)
    assert tab_counts(agent) == {"open": 1, "mine": 1, "unassigned": 0}
    reply = actions.send_reply(conversation=conversation, author=agent, text="On its way!")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Carol <carol@mail.example>"]
    assert f"[#{conversation.pk}]" in mail.outbox[0].subject
    page = list_conversations(agent, ConversationFilter(view="mine"))
    assert [c.pk for c in page.items] == [conversation.pk]
    actions.change_status(conversation=conversation, actor=agent, status=Status.RESOLVED)
    assert tab_counts(agent)["open"] == 0
