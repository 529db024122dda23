"""The synchronous work behind a visitor's socket: checking the token, replaying history."""

from __future__ import annotations

from rapport.core.errors import RapportError
from rapport.inboxes.adapters.chat import actions as chat_actions
from rapport.inboxes.adapters.chat import selectors
from rapport.inboxes.adapters.chat.config import chat_settings
from rapport.inboxes.adapters.chat.serializers import visitor_message
from rapport.inboxes.adapters.chat.tokens import Visitor, read_token
from rapport.realtime import groups, presence
from rapport.realtime.payloads import Payload


class Refused(Exception):
    """The socket may not subscribe; ``code`` is the websocket close code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def authorise(token: str, origin: str) -> tuple[Visitor, list[str]]:
    """Check the token (and the page's origin); return the visitor and the groups to join."""
    try:
        visitor = read_token(token)
        inbox = selectors.chat_inbox(inbox_id=visitor.inbox_id)
    except RapportError:
        raise Refused(4401) from None
    if not chat_settings(inbox).origin_allowed(origin):
        raise Refused(4403)
    presence.visitor_connected(visitor.group)
    return visitor, [visitor.group, groups.widgets(inbox.pk)]


def replay(visitor: Visitor, last_id: int) -> list[Payload]:
    """``ready`` with the availability, then what the visitor missed, then read marks."""
    inbox = selectors.chat_inbox(inbox_id=visitor.inbox_id)
    messages = selectors.messages_after(selectors.visible_messages(visitor), last_id)
    conversation_ids = {m.conversation_id for m in messages}
    current = selectors.current_conversation(visitor)
    if current is not None:
        conversation_ids.add(current.pk)
    frames: list[Payload] = [{"type": "ready", **selectors.availability(inbox)}]
    frames += [visitor_message(m) for m in messages]
    frames += [{"type": "receipt", **r} for r in selectors.receipts(conversation_ids)]
    return frames


def typing_group(visitor: Visitor) -> str | None:
    """Where the visitor's typing goes: the agents who have their open conversation open."""
    current = selectors.current_conversation(visitor)
    return groups.conversation(current.pk) if current else None


def seen(visitor: Visitor, message_id: int, read: bool) -> None:
    chat_actions.mark_seen(visitor=visitor, message_id=message_id, read=read)
