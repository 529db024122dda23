"""What the conversation page and its partial updates show, gathered in a fixed few queries."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

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
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.models import InboxKind

# TODO(issue 10, channel registry): a channel's own message details should come from the
# registry instead of this import of the e-mail channel's EmailDetails; pyproject.toml
# lets this one upward import through until then.


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
            "staff": mentionable_staff(),
        }
    )


def composer_context(
    conversation: Conversation, messages_list: list[Message] | None = None
) -> dict[str, Any]:
    """What the composer needs: for e-mail inboxes the CC field, filled like "reply all".

    The page passes its timeline (e-mail details already joined); a partial update after a
    reply or note reads just the last e-mail's CC.
    """
    if conversation.inbox.kind != InboxKind.EMAIL:
        return {"is_email": False}
    if messages_list is None:
        details = (
            EmailDetails.objects.filter(message__conversation=conversation)
            .only("cc")
            .order_by("-message_id")
            .first()
        )
    else:
        with_email = [m.email for m in messages_list if _has_email(m)]
        details = with_email[-1] if with_email else None
    return {"is_email": True, "reply_cc": _others(details, conversation)}


def _has_email(message: Message) -> bool:
    # select_related("email") caches None for messages without details: no query here.
    return getattr(message, "email", None) is not None


def _others(details: EmailDetails | None, conversation: Conversation) -> list[str]:
    """The last mail's CC without our own addresses (they would copy us on our own reply)."""
    if details is None:
        return []
    ours = {address.lower() for address in conversation.inbox.setting("addresses", [])}
    return [address for address in details.cc if address.lower() not in ours]
