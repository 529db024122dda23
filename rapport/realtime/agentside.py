"""The synchronous work behind the agent socket: permission checks and database reads.

Kept apart from the consumer so the consumer stays a thin dispatcher and each function
here runs in one ``database_sync_to_async`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapport.accounts.models import User
from rapport.conversations.models import Conversation
from rapport.conversations.selectors import access_conversation
from rapport.core.errors import NotFound
from rapport.inboxes import channels
from rapport.inboxes.adapters.chat import actions as chat_actions
from rapport.inboxes.adapters.chat.models import ChatReceipt
from rapport.inboxes.adapters.chat.selectors import availability, messages_after
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import visible_inbox_ids
from rapport.realtime import groups, presence
from rapport.realtime.payloads import Payload, message_payload


@dataclass(frozen=True)
class Watch:
    """A conversation an agent opened: what to replay and where typing goes."""

    conversation_id: int
    is_chat: bool
    visitor_groups: list[str]
    replay: list[Payload]


def fresh(user: User) -> User:
    """The agent as the database has them now: memberships may have changed since connect."""
    return User.objects.get(pk=user.pk)


def agent_groups(user: User) -> list[str]:
    """The groups an agent may join: their inboxes, themselves, and the staff presence group."""
    inbox_groups = [groups.inbox(inbox_id) for inbox_id in visible_inbox_ids(user)]
    return [*inbox_groups, groups.user(user.pk), groups.STAFF]


def presence_snapshot() -> dict[str, str]:
    staff = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    return {str(uid): status for uid, status in presence.statuses(staff).items()}


def presence_payload(user: User, status: str) -> Payload:
    return {"type": "presence", "user_id": user.pk, "name": str(user), "status": status}


def widget_updates(user: User) -> list[tuple[str, Payload]]:
    """After an agent's presence changed: each of their chat inboxes' availability."""
    live = [channel.kind for channel in channels.all_channels() if channel.live]
    inboxes = Inbox.objects.filter(pk__in=visible_inbox_ids(user), kind__in=live)
    return [
        (groups.widgets(inbox.pk), {"type": "availability", **availability(inbox)})
        for inbox in inboxes
    ]


def watch(user: User, conversation_id: int, last_id: int) -> Watch | None:
    """Open a conversation for live updates; None when the agent may not see it."""
    try:
        conversation = access_conversation(fresh(user), conversation_id)
    except NotFound:
        return None
    rows = conversation.messages.select_related("author", "conversation__customer")
    replay = [{**message_payload(m), "replay": True} for m in messages_after(rows, last_id)]
    receipt = ChatReceipt.objects.filter(conversation=conversation).first()
    if receipt is not None:
        replay.append({"type": "receipt", **receipt.as_dict()})
    channel = channels.find(conversation.inbox.kind)
    is_live = channel is not None and channel.live
    return Watch(
        conversation_id=conversation.pk,
        is_chat=is_live,
        visitor_groups=channel.live_groups(conversation) if channel and is_live else [],
        replay=replay,
    )


def mark_read(user: User, conversation_id: int, up_to: int) -> None:
    conversation: Conversation = access_conversation(fresh(user), conversation_id)
    chat_actions.mark_read_by_agent(conversation=conversation, message_id=up_to)
