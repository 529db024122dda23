"""Types every API router shares: ids, safe text, and the page cursor check.

The authenticated request's type is ``rapport.accounts.auth.AuthedRequest``: core knows no
domain app.

Inputs are bounded here once, so nothing a client sends can reach the database in a form
it rejects with an error instead of an answer (a 500): ids beyond a 64-bit integer, or
NUL characters, which PostgreSQL refuses in text and JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    model_validator,
)

from rapport.core.errors import ValidationFailed
from rapport.core.inbound import problem_in

MAX_ID = 2**63 - 1  # the largest primary key SQLite and PostgreSQL (bigint) can hold


def _without_nul(value: str) -> str:
    problem = problem_in(value)  # the check of every inbound path (core/inbound.py)
    if problem:
        raise ValueError(problem)
    return value


ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The pattern tells clients (and the fuzzer) the rule the validator enforces.
Text = Annotated[
    str, AfterValidator(_without_nul), Field(json_schema_extra={"pattern": r"^[^\x00]*$"})
]


class QuerySchema(Schema):
    """The query parameters of a list: a parameter it does not name is refused (400), so a
    misspelt filter (``?inbox=4`` for ``inbox_id``) cannot silently return everything."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_parameters(cls, data: Any, info: ValidationInfo) -> Any:
        # Ninja hands over only the parameters it knows, so the request is asked directly.
        request = (info.context or {}).get("request")
        if isinstance(request, HttpRequest):
            known = {field.alias or name for name, field in cls.model_fields.items()}
            unknown = sorted(set(request.GET) - known)
            if unknown:
                raise ValueError(
                    f"unknown query parameter {', '.join(map(repr, unknown))}; this endpoint"
                    f" takes {', '.join(sorted(known))}"
                )
        return data


class BodySchema(Schema):
    """A request body, read strictly: fields it does not name are refused (400) rather than
    dropped, and no value changes type on the way in (``false`` is not the number 0, ``"3"``
    is not 3, the number 0 is not a date) — the server takes what its schema says."""

    model_config = ConfigDict(extra="forbid", strict=True)


# For bodies that are plain pydantic models (the API channel's, kept light for speed).
STRICT_BODY = ConfigDict(extra="forbid", strict=True)


def _time_as_text(value: object) -> object:
    if value is not None and not isinstance(value, str):
        raise ValueError(
            "must be a date-time in ISO 8601 with a time zone, e.g. 2026-01-31T09:00:00Z"
        )
    return value


# JSON has no date-time type, so a strict body takes one as ISO 8601 text, and only as text.
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_time_as_text), Strict(False)]


def check_cursor(after: str | None, decode: Callable[[str], object]) -> str | None:
    """``after`` if ``decode`` can read it, else a 400 that names the parameter.

    The selectors' own message speaks of "the page cursor"; the client knows it as ``after``.
    """
    if after:
        try:
            decode(after)
        except ValidationFailed as error:
            raise ValidationFailed(f"after: {error.message}") from None
    return after
