"""Every write to conversations and messages. Views, the API, the CLI and jobs call these.

Each public action runs in one transaction, checks what the actor may do, writes an audit
entry where a person changed something, and publishes its events after commit.
"""

from rapport.conversations.actions.additions import add_to_message
from rapport.conversations.actions.changes import (
    assign_conversation,
    change_status,
    set_priority,
    set_tags,
    wake_snoozed,
)
from rapport.conversations.actions.common import (
    PREVIEW_CHARS,
    check_may_change,
    check_text,
    move_count,
    preview_of,
)
from rapport.conversations.actions.deleting import delete_conversation
from rapport.conversations.actions.reactions import receive_reaction
from rapport.conversations.actions.receiving import (
    Received,
    receive_message,
    unresolved_conversations,
)
from rapport.conversations.actions.receiving_many import receive_many
from rapport.conversations.actions.replies import add_note, send_automatic_reply, send_reply

__all__ = [
    "PREVIEW_CHARS",
    "Received",
    "add_note",
    "add_to_message",
    "assign_conversation",
    "change_status",
    "check_may_change",
    "check_text",
    "delete_conversation",
    "move_count",
    "preview_of",
    "receive_many",
    "receive_message",
    "receive_reaction",
    "send_automatic_reply",
    "send_reply",
    "set_priority",
    "set_tags",
    "unresolved_conversations",
    "wake_snoozed",
]
