"""What the API takes and shows of customers, their identities and companies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

from rapport.core.api import BodySchema, ObjectId, QuerySchema, Text
from rapport.customers.models import Customer

AttributeName = Annotated[Text, StringConstraints(min_length=1, max_length=64)]
# Finite floats only: PostgreSQL's jsonb has no Infinity or NaN.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
AttributeValue = (
    Annotated[Text, StringConstraints(max_length=1000)] | int | FiniteFloat | bool | None
)
# Custom attributes: a flat map of short names to plain values (plan, order count, VIP...).
Attributes = Annotated[dict[AttributeName, AttributeValue], Field(max_length=50)]


class CompanyOut(Schema):
    id: int
    name: str
    domain: str


class IdentityOut(Schema):
    """An address the customer reaches us from; ``api`` addresses read ``<inbox id>:<id>``."""

    id: int
    kind: str
    address: str
    created_at: datetime


class IdentityIn(BodySchema):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "api"}}, "required": ["kind"]},
            "then": {"required": ["inbox_id"], "properties": {"inbox_id": {"type": "integer"}}},
        }
    )

    kind: Literal["email", "phone", "api"]
    address: Text = Field(min_length=1, max_length=320)
    inbox_id: ObjectId | None = Field(
        default=None, description="Required for kind 'api': the API inbox the id belongs to."
    )


class CustomerRef(Schema):
    """A customer as a conversation shows them."""

    id: int
    display_name: str
    email: str


class CustomerOut(Schema):
    id: int
    name: str
    display_name: str
    email: str
    phone: str
    company: CompanyOut | None
    attributes: dict[str, Any]
    identities: list[IdentityOut]
    created_at: datetime
    last_seen_at: datetime | None

    @staticmethod
    def resolve_identities(obj: Customer) -> list[Any]:
        # Reads the prefetched identities; see customers.selectors.with_profile.
        return list(obj.identities.all())


class CustomerQuery(QuerySchema):
    q: Text = Field(default="", max_length=200, description="Part of a name or e-mail address.")
    after: Text | None = Field(
        default=None, max_length=200, description="next_cursor of the last page"
    )
    limit: int = Field(default=25, ge=1, description="rows per page; more than 100 gives 100")


class CustomerPageOut(Schema):
    items: list[CustomerOut]
    next_cursor: str | None = Field(
        description="Pass as ?after= for the next page; null at the end."
    )


class CustomerIn(BodySchema):
    """A new customer. The e-mail address and phone number also become identities."""

    name: Text = Field(default="", max_length=200)
    email: Text = Field(default="", max_length=254)
    phone: Text = Field(default="", max_length=40)
    company: Text = Field(default="", max_length=200, description="Company name; created if new.")
    attributes: Attributes = Field(default_factory=dict)


class CustomerPatch(BodySchema):
    """Fields to change; leave one out (or null) to keep it, send "" to clear it."""

    name: Text | None = Field(default=None, max_length=200)
    email: Text | None = Field(default=None, max_length=254)
    phone: Text | None = Field(default=None, max_length=40)
    company: Text | None = Field(default=None, max_length=200)
    attributes: Attributes | None = Field(
        default=None, description="Replaces all custom attributes."
    )


class DuplicateOut(Schema):
    """A customer who may be the same person, and why: the same phone (E.164), e-mail
    address or full name. A suggestion only: nothing is merged until asked."""

    customer: CustomerOut
    reasons: list[Literal["phone", "e-mail", "name"]] = Field(
        description="Strongest first; a name alone is the weakest hint."
    )


class MergeIn(BodySchema):
    """Merge another customer into this one."""

    absorb: ObjectId = Field(
        description="The customer merged into this one: their addresses, conversations and"
        " what this one lacks move here, then they are deleted."
    )


class NotDuplicateIn(BodySchema):
    """Say that another customer is not the same person as this one."""

    other: ObjectId = Field(
        description="The customer who is not the same person: the two are never suggested"
        " as possible duplicates again."
    )


class NotDuplicateOut(Schema):
    """A pair of customers said to be *not the same person* (the lower id first)."""

    customers: list[int] = Field(description="The two customer ids, the lower first.")
    dismissed_by: int | None = Field(description="The user who said so (null if removed).")
    dismissed_at: datetime

    @staticmethod
    def resolve_customers(obj: Any) -> list[int]:
        return [obj.first_id, obj.second_id]

    @staticmethod
    def resolve_dismissed_by(obj: Any) -> int | None:
        return obj.dismissed_by_id

    @staticmethod
    def resolve_dismissed_at(obj: Any) -> datetime:
        return obj.created_at
