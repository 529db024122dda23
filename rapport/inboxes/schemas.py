from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field


class InboxOut(Schema):
    id: int
    name: str
    kind: str
    public_key: str
    is_active: bool


class IdentityIn(Schema):
    kind: Literal["email", "phone", "api"]
    address: str = Field(min_length=1, max_length=320)


class InboundMessageIn(Schema):
    """A customer's message, posted by an external system into an API inbox."""

    identity: IdentityIn
    text: str = Field(min_length=1)
    name: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=255)
    external_id: str = Field(default="", max_length=255)


class InboundMessageOut(Schema):
    message_id: int
    conversation_id: int
    customer_id: int
    created: bool
