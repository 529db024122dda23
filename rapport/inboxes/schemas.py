"""What the API takes and shows of inboxes, and the API channel's inbound message."""

from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from rapport.core.api import Text


class InboxOut(Schema):
    id: int
    name: str
    kind: str
    public_key: str
    is_active: bool


class IdentityIn(Schema):
    kind: Literal["email", "phone", "api"]
    address: Text = Field(min_length=1, max_length=320)


class InboundMessageIn(Schema):
    """A customer's message, posted by an external system into an API inbox."""

    identity: IdentityIn
    text: Text = Field(min_length=1)
    name: Text = Field(default="", max_length=200)
    subject: Text = Field(default="", max_length=255)
    external_id: Text = Field(default="", max_length=255)


class InboundMessageOut(Schema):
    message_id: int
    conversation_id: int
    customer_id: int
    created: bool


class InboxRef(Schema):
    """An inbox as a conversation shows it."""

    id: int
    name: str
    kind: str
