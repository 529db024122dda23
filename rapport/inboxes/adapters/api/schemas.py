"""What the API channel's inbound endpoint takes and answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rapport.core.api import STRICT_BODY, Text

# The API channel's own schemas are plain pydantic models: ninja's ``Schema`` wraps every
# validation to read Django objects' attributes, which these never are, and on the
# hottest endpoint those wrappers were 0.18 ms of a message under cProfile.


class InboundIdentityIn(BaseModel):
    """Who wrote: named apart from ``customers.schemas.IdentityIn`` (which takes an
    ``inbox_id``), since the OpenAPI document keeps one schema per name."""

    model_config = STRICT_BODY
    kind: Literal["email", "phone", "api"]
    address: Text = Field(min_length=1, max_length=320)


class InboundMessageIn(BaseModel):
    """A customer's message, posted by an external system into an API inbox."""

    model_config = STRICT_BODY

    identity: InboundIdentityIn
    text: Text = Field(min_length=1)
    name: Text = Field(default="", max_length=200)
    subject: Text = Field(default="", max_length=255)
    external_id: Text = Field(default="", max_length=255)


class InboundMessageOut(BaseModel):
    message_id: int
    conversation_id: int
    customer_id: int
    created: bool
