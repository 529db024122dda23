"""The search endpoint's parameters and answer."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

from rapport.core.api import QuerySchema, Text

OPERATORS_HELP = (
    'Words (a word also finds longer words it starts), "exact phrases", -excluded words, and '
    "the operators from:, to:, tag:, -tag:, status:, inbox:, channel:, assignee:, team:, "
    "after:, before: (YYYY-MM-DD). Accents and case are ignored."
)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class SearchQuery(QuerySchema):
    q: Text = Field(default="", max_length=500, description=OPERATORS_HELP)
    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    inbox: Text | None = Field(default=None, max_length=100, description="inbox id or name")
    channel: Text | None = Field(
        default=None, max_length=40, description="a channel's kind: email, chat, sms, …"
    )
    assignee: Text | None = Field(
        default=None, max_length=200, description="me, none, an agent's e-mail or name"
    )
    team: Text | None = Field(default=None, max_length=100, description="team id or name")
    tag: Text | None = Field(default=None, max_length=50)
    after: date | None = Field(default=None, description="messages from this day on")
    before: date | None = Field(default=None, description="messages before this day")
    sort: Literal["newest", "best"] = Field(
        default="newest", description="newest message first, or best match first"
    )
    notes: bool = Field(default=True, description="false leaves internal notes out")
    cursor: Text | None = Field(
        default=None, max_length=40, description="next_cursor of the last page"
    )
    limit: int = Field(
        default=20, ge=1, description="conversations per page; more than 50 gives 50"
    )

    @field_validator("after", "before", mode="before")
    @classmethod
    def day_as_written(cls, value: object) -> object:
        """Only YYYY-MM-DD: pydantic would read ``before=0`` as 1 January 1970."""
        if (
            value is None
            or isinstance(value, date)
            or (isinstance(value, str) and DAY.fullmatch(value))
        ):
            return value
        raise ValueError("a day as YYYY-MM-DD")


class Named(Schema):
    id: int
    name: str


class MessageHitOut(Schema):
    message_id: int
    conversation_id: int
    direction: str = Field(description="in, out or note")
    created_at: datetime
    snippet: str = Field(
        description="HTML: the matching part of the text, escaped, matches in <mark>"
    )
    subject: str
    status: str
    customer: Named
    inbox: Named


class CustomerHitOut(Schema):
    id: int
    name: str
    email: str
    phone: str


class SearchOut(Schema):
    messages: list[MessageHitOut] = Field(
        description="one per conversation: its newest (or, sorted by best, best) match"
    )
    customers: list[CustomerHitOut] = Field(
        description="customers whose name or address matches q (first page only)"
    )
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")
