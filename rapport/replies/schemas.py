"""What the API takes and shows of canned replies."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from rapport.accounts.schemas import AgentRef
from rapport.core.api import BodySchema, ObjectId, Text
from rapport.inboxes.schemas import InboxRef
from rapport.replies.models import SHORTCUT_MAX, TITLE_MAX

SHORTCUT_HELP = "Typed after / in the reply box: letters, digits, - and _ (a leading / is dropped)."
TEXT_HELP = "May use placeholders such as {{ customer.first_name }}; an unknown one is refused."
INBOX_HELP = "The inbox whose conversations are offered it; null offers it in every inbox."
# Lengths here are only an outer bound; the actions check the exact rules and say which.
ShortcutField = Field(min_length=1, max_length=SHORTCUT_MAX + 1, description=SHORTCUT_HELP)


class CannedReplyIn(BodySchema):
    shortcut: Text = ShortcutField
    title: Text = Field(min_length=1, max_length=TITLE_MAX)
    text: Text = Field(min_length=1, description=TEXT_HELP)
    inbox_id: ObjectId | None = Field(default=None, description=INBOX_HELP)


class CannedReplyPatch(BodySchema):
    """Fields to change; leave one out to keep it. ``inbox_id: null`` means every inbox."""

    shortcut: Text | None = Field(
        default=None, min_length=1, max_length=SHORTCUT_MAX + 1, description=SHORTCUT_HELP
    )
    title: Text | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    text: Text | None = Field(default=None, min_length=1, description=TEXT_HELP)
    inbox_id: ObjectId | None = Field(default=None, description=INBOX_HELP)


class CannedReplyOut(Schema):
    """A canned reply as written, placeholders and all."""

    id: int
    shortcut: str
    title: str
    text: str
    inbox: InboxRef | None = Field(description="null: offered in every inbox")
    created_by: AgentRef | None
    created_at: datetime
    updated_at: datetime


class FilledReplyOut(Schema):
    """A canned reply filled in for one conversation, ready to send."""

    id: int
    shortcut: str
    title: str
    text: str = Field(description="The text with its placeholders filled in, as plain text.")
    unknown_placeholders: list[str] = Field(
        description="Placeholders Rapport does not know, left in the text as written."
    )
