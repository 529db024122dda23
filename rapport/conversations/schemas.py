"""What the API takes and shows of conversations and their messages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints, field_validator

from rapport.accounts.schemas import AgentRef, TeamRef
from rapport.conversations.models import Conversation
from rapport.core.api import BodySchema, IsoDateTime, ObjectId, QuerySchema, Text
from rapport.customers.schemas import CustomerRef
from rapport.inboxes.schemas import InboxRef

StatusName = Literal["open", "pending", "snoozed", "resolved"]
# The length limit is a setting, checked by the actions (RAPPORT_MAX_MESSAGE_CHARS).
MessageText = Annotated[Text, StringConstraints(min_length=1)]
VIEW = re.compile(r"mine|unassigned|all|team:[1-9][0-9]{0,17}")
TagName = Annotated[Text, StringConstraints(min_length=1, max_length=50)]


class ConversationQuery(QuerySchema):
    """The inbox list's filters, the same as the agent app's."""

    view: Text = Field(default="all", description="mine, unassigned, all or team:<team id>")
    status: Literal["open", "pending", "snoozed", "resolved", "any"] = "open"
    inbox_id: ObjectId | None = None
    tag: Text | None = Field(default=None, max_length=50)
    priority: int | None = Field(default=None, ge=0, le=4)
    assignee_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    sort: Literal["newest", "waiting"] = Field(
        default="newest", description="newest activity first, or longest waiting first"
    )
    after: Text | None = Field(
        default=None, max_length=200, description="next_cursor of the last page"
    )
    limit: int = Field(default=25, ge=1, description="rows per page; more than 100 gives 100")

    @field_validator("view")
    @classmethod
    def _known_view(cls, view: str) -> str:
        # Checked here as well as in ConversationFilter: a team id must be an ASCII number
        # a database key can hold before it is turned into one.
        if not VIEW.fullmatch(view):
            raise ValueError("must be mine, unassigned, all or team:<team id>")
        return view


class ConversationOut(Schema):
    """A conversation; its number (shown as #123) is its id."""

    id: int
    subject: str
    status: str
    priority: int = Field(description="0 none, 1 low, 2 medium, 3 high, 4 urgent")
    inbox: InboxRef
    customer: CustomerRef
    assignee: AgentRef | None
    team: TeamRef | None
    tags: list[str]
    preview: str
    created_at: datetime
    last_activity_at: datetime
    last_customer_message_at: datetime | None
    first_response_at: datetime | None
    waiting_since: datetime | None
    snoozed_until: datetime | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_tags(obj: Conversation) -> list[str]:
        # Sorted in Python so a prefetched list is used as loaded.
        return sorted(tag.name for tag in obj.tags.all())


class ConversationPageOut(Schema):
    items: list[ConversationOut]
    next_cursor: str | None = Field(
        description="Pass as ?after= for the next page; null at the end."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    """A message from the customer (in), to the customer (out), or an internal note."""

    id: int
    conversation_id: int
    direction: Literal["in", "out", "note"]
    author: AgentRef | None
    text: str
    html: str
    delivery_status: str = Field(
        description="'', queued, sent, failed or unknown (replies only; unknown: the answer "
        "was lost after the message was handed over, so it may have been sent)"
    )
    delivery_error: str = Field(
        description="in words: why it is not delivered (yet), or how it was delivered"
    )
    reaction: str = Field(
        description="the customer's reaction to this message, an emoji (WhatsApp); '' when none"
    )
    created_at: datetime
    attachments: list[AttachmentOut]


class MessageQuery(QuerySchema):
    after: Text | None = Field(
        default=None, max_length=20, description="next_cursor of the last page"
    )
    limit: int = Field(default=50, ge=1, description="messages per page; more than 100 gives 100")


class MessagePageOut(Schema):
    items: list[MessageOut]
    next_cursor: str | None = Field(
        description="Pass as ?after= for the next page; null at the end."
    )


class ReplyIn(BodySchema):
    text: MessageText
    status_after: StatusName | None = Field(
        default=None, description="Change the status once the reply is queued, e.g. resolved."
    )


class NoteIn(BodySchema):
    text: MessageText = Field(description="Mention staff with @name or @e-mail.")


class AssignmentIn(BodySchema):
    """Leave a field out to keep it; send null to clear it."""

    assignee_id: ObjectId | None = None
    team_id: ObjectId | None = None


class StatusIn(BodySchema):
    # Required-when, in the document as JSON Schema's if/then (the action enforces it).
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"status": {"const": "snoozed"}}, "required": ["status"]},
            "then": {
                "required": ["snoozed_until"],
                "properties": {"snoozed_until": {"type": "string", "format": "date-time"}},
            },
        }
    )

    status: StatusName
    snoozed_until: IsoDateTime | None = Field(
        default=None, description="Required for snoozed: when the conversation reopens."
    )


class TagsIn(BodySchema):
    tags: list[TagName] = Field(max_length=50, description="The complete set of tags.")


class PriorityIn(BodySchema):
    priority: int = Field(ge=0, le=4, description="0 none, 1 low, 2 medium, 3 high, 4 urgent")
