"""What the conversation page and its partial updates show, gathered in a fixed few queries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.conversations.forms import SNOOZE_PRESETS
from rapport.conversations.models import Conversation, Message, Priority, Status
from rapport.conversations.selectors import (
    assignable_agents,
    can_change,
    mentionable_staff,
    other_conversations,
    timeline,
)
from rapport.inboxes import channels
from rapport.inboxes.channels import Composer


def panel_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """The header and the side panel: status, assignment, priority, tags."""
    user = request.user
    assert isinstance(user, User)
    member = can_change(user, conversation)
    return {
        "conversation": conversation,
        "tags": [tag.name for tag in conversation.tags.all()],
        "may_change": member and user.can_reply,
        "may_reply": member and user.can_reply,
        "agents": assignable_agents(conversation),
        "teams": list(Team.objects.all()),
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "snooze_presets": SNOOZE_PRESETS,
    }


def page_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """Everything on the conversation page: the panel plus timeline and customer sidebar."""
    user = request.user
    assert isinstance(user, User)
    customer = conversation.customer
    messages_list = timeline(conversation)
    return (
        panel_context(request, conversation)
        | composer_context(conversation, messages_list)
        | {
            "messages_list": messages_list,
            "customer": customer,
            "identities": list(customer.identities.all()),
            "others": other_conversations(conversation, user),
            "customer_tools": [
                tool
                for channel in channels.all_channels()
                for tool in channel.customer_tools(conversation, user)
            ],
            "staff": mentionable_staff(),
        }
    )


def composer_context(
    conversation: Conversation, messages_list: list[Message] | None = None
) -> dict[str, Any]:
    """What the reply box shows for the inbox's channel: its extras (``Composer``: the CC
    field, limits) and their values for this conversation (the CC, filled like "reply all").

    The page passes its timeline, so a channel reads what it needs from it; a partial
    update after a reply or note passes none.
    """
    channel = channels.find(conversation.inbox.kind)
    if channel is None:  # an inbox whose channel was taken out: a plain reply box
        return {"composer": Composer()}
    window = channel.reply_window(conversation)
    now = timezone.now()
    return {
        "composer": channel.composer,
        # The provider's customer-service window: its time left, or why only a template
        # (what ``window.after`` names) can be sent now.
        "reply_window": window,
        # Named for the closed case, so a box rendered without this context stays open.
        "window_closed": window is not None and not window.is_open(now),
        "window_words": window.words(now) if window is not None else "",
        **channel.composer_context(conversation, messages_list),
    }
